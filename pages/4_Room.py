"""Room: a workshop's shared board. A participant joins with the room's code (or its link)
and a name; a teacher opens a room and runs its board: the code and a QR code to join,
everyone's runs as they train, a leaderboard, and the room's settings.

Layout only: the rules are labs.rooms, the state and callbacks ui.room_session, the
drawing ui.room_view."""

import streamlit as st

from ui import lab
from ui import room_session as rs
from ui import room_view as rv
from ui.common import get_state, page_setup

T = page_setup("nav.room")
state = get_state()

st.title(T("nav.room"))
teaching = rs.teacher_room(state)
if teaching is not None:
    rv.teacher_board(state, T, teaching)
    st.stop()

st.write(T("room.intro"))
joined = lab.joined_room(state)
if joined is not None:
    rv.member_panel(state, T, joined)
else:
    rv.join_panel(state, T)
st.divider()
rv.open_panel(T)
