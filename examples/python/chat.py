#!/usr/bin/env python3
"""chat.py: tracechat's C ABI from Python, with ctypes only (nothing to compile).

It opens a guest chat session, waits until the session's trace context is on the
conversation, says hello, waits for the bot's answer and prints three lines:

  trace_id=<the session's trace, 32 hex digits>
  conversation_id=<the conversation that carries it>
  reply=<what the bot said>

then ends the conversation and exits 0. Any failure: what went wrong on stderr, exit 1
(it gives up when the bot has not answered within 20 seconds).

Unlike the C example it takes its events through a callback, which the library calls on
the session's own thread; the callback hands them to the main thread through a queue.

  tracechat emulator --listen 127.0.0.1:8080 &
  TRACECHAT_C_LIB=/opt/tracechat/lib/libtracechat_c.so.1 \\
      python3 chat.py ws://127.0.0.1:8080/v1/<organization id>/guest/<guest id>/connect

The library is TRACECHAT_C_LIB if set, else what ctypes.util.find_library("tracechat_c")
finds (the linker cache, LD_LIBRARY_PATH).
"""
import ctypes
import ctypes.util
import os
import queue
import sys
import time
from ctypes import CFUNCTYPE, POINTER, byref, c_char_p, c_int, c_int64, c_size_t, c_uint64, c_void_p

# The few constants of tracechat.h this program uses.
TC_OK = 0
TC_ERR_BUFFER_TOO_SMALL = 6
TC_EVENT_STATE_CHANGED = 1
TC_EVENT_CONTEXT_ATTACHED = 3
TC_EVENT_MESSAGE_RECEIVED = 4
TC_FIELD_CAUSE = 1
TC_FIELD_SENDER_ROLE = 6
TC_FIELD_BODY = 8
TC_FIELD_STATE_TO = 101
TC_STATE_CLOSED = 7
TC_STATE_FAILED = 8

# void (*tc_event_callback)(tc_session* session, const tc_event* event, void* user_data)
EVENT_CALLBACK = CFUNCTYPE(None, c_void_p, c_void_p, c_void_p)


def load_library():
    path = os.environ.get("TRACECHAT_C_LIB") or ctypes.util.find_library("tracechat_c")
    if not path:
        sys.exit("libtracechat_c not found: set TRACECHAT_C_LIB to the path of libtracechat_c.so.1")
    # CDLL releases the GIL during each call, so the session's thread can run the
    # callback while the main thread waits inside the library (tc_session_wait_finished).
    lib = ctypes.CDLL(path)
    # Handles are opaque pointers: c_void_p. The functions that return a tc_status (or
    # an enum) keep ctypes' default restype, c_int.
    lib.tc_last_error.argtypes = []
    lib.tc_last_error.restype = c_char_p
    lib.tc_status_name.argtypes = [c_int]
    lib.tc_status_name.restype = c_char_p
    lib.tc_config_new.argtypes = [POINTER(c_void_p)]
    lib.tc_config_free.argtypes = [c_void_p]
    lib.tc_config_set_url.argtypes = [c_void_p, c_char_p, c_size_t]
    lib.tc_config_set_display_name.argtypes = [c_void_p, c_char_p, c_size_t]
    lib.tc_session_open.argtypes = [c_void_p, EVENT_CALLBACK, c_void_p, POINTER(c_void_p)]
    lib.tc_session_destroy.argtypes = [c_void_p]
    lib.tc_session_send.argtypes = [c_void_p, c_char_p, c_size_t, POINTER(c_uint64)]
    lib.tc_session_close.argtypes = [c_void_p]
    lib.tc_session_wait_finished.argtypes = [c_void_p, c_int64]
    for name in ("tc_session_trace_id", "tc_session_conversation_id"):
        getattr(lib, name).argtypes = [c_void_p, c_char_p, c_size_t, POINTER(c_size_t)]
    lib.tc_event_get_type.argtypes = [c_void_p]
    # c_void_p rather than c_char_p: the text has a length, read with ctypes.string_at.
    lib.tc_event_text.argtypes = [c_void_p, c_int, POINTER(c_size_t)]
    lib.tc_event_text.restype = c_void_p
    lib.tc_event_number.argtypes = [c_void_p, c_int, POINTER(c_uint64)]
    return lib


tc = load_library()


class Failure(Exception):
    pass


def check(status, call):
    """A call failed: its status's name and tc_last_error() (per thread: read it at once)."""
    if status != TC_OK:
        raise Failure(f"{call}: {tc.tc_status_name(status).decode()}: {tc.tc_last_error().decode()}")


def event_text(event, field):
    """A text field of an event, copied (the event's text lives only as long as the event)."""
    length = c_size_t(0)
    pointer = tc.tc_event_text(event, field, byref(length))
    return None if pointer is None else ctypes.string_at(pointer, length.value).decode()


def session_text(function, session, call):
    """Text the library copies into the caller's buffer; a buffer too small is
    TC_ERR_BUFFER_TOO_SMALL with the length needed, so ask again with a bigger one."""
    length = c_size_t(0)
    buffer = ctypes.create_string_buffer(64)
    status = function(session, buffer, len(buffer), byref(length))
    if status == TC_ERR_BUFFER_TOO_SMALL:
        buffer = ctypes.create_string_buffer(length.value + 1)
        status = function(session, buffer, len(buffer), byref(length))
    check(status, call)
    return buffer.raw[: length.value].decode()


events = queue.Queue()


@EVENT_CALLBACK
def on_event(session, event, user_data):
    # On the session's thread, one event at a time: keep it short. The event is lent for
    # this call only, so the text the main thread needs is copied here. This function
    # object must stay referenced while the session lives (a module global does that):
    # ctypes frees the C trampoline with it.
    kind = tc.tc_event_get_type(event)
    if kind == TC_EVENT_CONTEXT_ATTACHED:
        events.put(("attached", None))
    elif kind == TC_EVENT_MESSAGE_RECEIVED:
        if event_text(event, TC_FIELD_SENDER_ROLE) == "bot":
            events.put(("bot", event_text(event, TC_FIELD_BODY)))
    elif kind == TC_EVENT_STATE_CHANGED:
        to = c_uint64(0)
        if tc.tc_event_number(event, TC_FIELD_STATE_TO, byref(to)) == TC_OK and to.value in (
            TC_STATE_FAILED,
            TC_STATE_CLOSED,
        ):
            state = "failed" if to.value == TC_STATE_FAILED else "closed"
            events.put(("ended", f"the session {state}: {event_text(event, TC_FIELD_CAUSE) or ''}"))


def main(argv):
    if len(argv) != 2:
        print(f"usage: {argv[0]} <ws-url>", file=sys.stderr)
        return 2
    config = c_void_p()
    session = c_void_p()
    try:
        check(tc.tc_config_new(byref(config)), "tc_config_new")
        # Strings are UTF-8 with a length (TC_NUL_TERMINATED would mean "up to the NUL").
        url = argv[1].encode()
        check(tc.tc_config_set_url(config, url, len(url)), "tc_config_set_url")
        name = "Python example".encode()
        check(tc.tc_config_set_display_name(config, name, len(name)), "tc_config_set_display_name")
        # With a callback, every event goes to it (tc_session_poll is then refused).
        check(tc.tc_session_open(config, on_event, None, byref(session)), "tc_session_open")

        deadline = time.monotonic() + 20
        sent = False
        reply = None
        while reply is None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                what = "answer from the bot" if sent else "trace context on the conversation"
                raise Failure(f"no {what} within 20 s")
            try:
                kind, text = events.get(timeout=remaining)
            except queue.Empty:
                continue
            if kind == "attached" and not sent:
                # The trace context is on the conversation: whatever its flow and Data
                # Actions do from now on can join this session's trace. Say hello.
                hello = "hello from Python".encode()
                check(tc.tc_session_send(session, hello, len(hello), None), "tc_session_send")
                sent = True
            elif kind == "bot" and sent:
                reply = text
            elif kind == "ended":
                raise Failure(text)

        trace_id = session_text(tc.tc_session_trace_id, session, "tc_session_trace_id")
        conversation_id = session_text(tc.tc_session_conversation_id, session, "tc_session_conversation_id")
        print(f"trace_id={trace_id}\nconversation_id={conversation_id}\nreply={reply}", flush=True)

        # End the conversation: what is still queued is sent first (tc_session_close
        # returns at once), then wait for the session to be closed.
        check(tc.tc_session_close(session), "tc_session_close")
        check(tc.tc_session_wait_finished(session, 10000), "tc_session_wait_finished")
        return 0
    except Failure as failure:
        print(failure, file=sys.stderr)
        return 1
    finally:
        # Every create has its destroy. ctypes releases the GIL during the call, so a
        # callback still running on the session's thread can finish.
        if session.value:
            tc.tc_session_destroy(session)
        if config.value:
            tc.tc_config_free(config)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
