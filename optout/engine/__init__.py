"""What drives a page: phases, sign-in, steps, the control, pointer, overlays, page states, the
runner, screenshots and their masks."""
