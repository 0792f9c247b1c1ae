// chat.mjs: tracechat's C ABI from Node.js (18 or later) through koffi, an FFI with
// prebuilt binaries: nothing to compile.
//
// It opens a guest chat session, waits until the session's trace context is on the
// conversation, says hello, waits for the bot's answer and prints three lines:
//
//   trace_id=<the session's trace, 32 hex digits>
//   conversation_id=<the conversation that carries it>
//   reply=<what the bot said>
//
// then ends the conversation and exits 0. Any failure: what went wrong on stderr, exit 1
// (it gives up when the bot has not answered within 20 seconds).
//
//   npm ci --ignore-scripts
//   tracechat emulator --listen 127.0.0.1:8080 &
//   LD_LIBRARY_PATH=/opt/tracechat/lib node chat.mjs ws://127.0.0.1:8080/v1/<organization id>/guest/<guest id>/connect
//
// The library is TRACECHAT_C_LIB if set, else libtracechat_c.so.1 as the dynamic loader
// finds it (LD_LIBRARY_PATH, the linker cache).
//
// Poll mode, never blocking: tc_session_poll with a timeout of 0 returns at once, and
// between empty polls the program waits on a timer, so Node's event loop keeps running.
import koffi from 'koffi';

const lib = koffi.load(process.env.TRACECHAT_C_LIB || 'libtracechat_c.so.1');

// The few constants of tracechat.h this program uses.
const TC_OK = 0;
const TC_ERR_TIMEOUT = 5;
const TC_ERR_BUFFER_TOO_SMALL = 6;
const TC_EVENT_STATE_CHANGED = 1;
const TC_EVENT_CONTEXT_ATTACHED = 3;
const TC_EVENT_MESSAGE_RECEIVED = 4;
const TC_FIELD_CAUSE = 1;
const TC_FIELD_SENDER_ROLE = 6;
const TC_FIELD_BODY = 8;
const TC_FIELD_STATE_TO = 101;
const TC_STATE_CLOSED = 7;
const TC_STATE_FAILED = 8;

// Handles are pointers to opaque types (koffi passes them around as BigInts); statuses
// and enums are ints. `_Out_` marks what the function writes: pass a one-element array.
koffi.opaque('tc_config');
koffi.opaque('tc_session');
koffi.opaque('tc_event');
const tc = {
  last_error: lib.func('const char *tc_last_error(void)'),
  status_name: lib.func('const char *tc_status_name(int status)'),
  config_new: lib.func('int tc_config_new(_Out_ tc_config **out)'),
  config_free: lib.func('int tc_config_free(tc_config *config)'),
  config_set_url: lib.func('int tc_config_set_url(tc_config *config, const char *url, size_t url_length)'),
  config_set_display_name: lib.func(
    'int tc_config_set_display_name(tc_config *config, const char *name, size_t name_length)'),
  // The callback is a function pointer: NULL here, for poll mode.
  session_open: lib.func(
    'int tc_session_open(const tc_config *config, void *callback, void *user_data, _Out_ tc_session **out)'),
  session_destroy: lib.func('int tc_session_destroy(tc_session *session)'),
  session_send: lib.func(
    'int tc_session_send(tc_session *session, const char *text, size_t text_length, _Out_ uint64_t *client_id)'),
  session_close: lib.func('int tc_session_close(tc_session *session)'),
  session_wait_finished: lib.func('int tc_session_wait_finished(tc_session *session, int64_t timeout_ms)'),
  session_poll: lib.func('int tc_session_poll(tc_session *session, int64_t timeout_ms, _Out_ tc_event **out)'),
  // The buffer is a Node Buffer, which the library writes into.
  session_trace_id: lib.func(
    'int tc_session_trace_id(const tc_session *session, void *buf, size_t capacity, _Out_ size_t *length)'),
  session_conversation_id: lib.func(
    'int tc_session_conversation_id(const tc_session *session, void *buf, size_t capacity, _Out_ size_t *length)'),
  event_get_type: lib.func('int tc_event_get_type(const tc_event *event)'),
  // A pointer, not a string: the text has a length (decoded with koffi.decode.string).
  event_text: lib.func('const void *tc_event_text(const tc_event *event, int field, _Out_ size_t *length)'),
  event_number: lib.func('int tc_event_number(const tc_event *event, int field, _Out_ uint64_t *value)'),
  event_free: lib.func('int tc_event_free(tc_event *event)'),
};

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// A call failed: its status's name and tc_last_error() (per thread: read it at once).
function check(status, call) {
  if (status !== TC_OK) throw new Error(`${call}: ${tc.status_name(status)}: ${tc.last_error()}`);
}

// Strings go in as UTF-8 with their length in bytes.
function withLength(text) {
  return [text, Buffer.byteLength(text, 'utf8')];
}

// A text field of an event, copied into a JS string (the event's text lives only as long
// as the event), or null when the event has none.
function eventText(event, field) {
  const length = [0];
  const pointer = tc.event_text(event, field, length);
  return pointer === null ? null : koffi.decode.string(pointer, length[0]);
}

// Text the library copies into the caller's buffer; a buffer too small is
// TC_ERR_BUFFER_TOO_SMALL with the length needed, so ask again with a bigger one.
function sessionText(fn, session, call) {
  const length = [0];
  let buffer = Buffer.alloc(64);
  let status = fn(session, buffer, buffer.length, length);
  if (status === TC_ERR_BUFFER_TOO_SMALL) {
    buffer = Buffer.alloc(length[0] + 1);
    status = fn(session, buffer, buffer.length, length);
  }
  check(status, call);
  return buffer.toString('utf8', 0, length[0]);
}

// Reads the session's events until the bot answers the guest's hello; returns the answer.
async function converse(session) {
  const deadline = Date.now() + 20000;
  let sent = false;
  for (;;) {
    if (Date.now() >= deadline) {
      throw new Error(`no ${sent ? 'answer from the bot' : 'trace context on the conversation'} within 20 s`);
    }
    const out = [null];
    const status = tc.session_poll(session, 0, out);
    if (status === TC_ERR_TIMEOUT) {
      await sleep(10); // nothing queued: let the rest of the program run
      continue;
    }
    check(status, 'tc_session_poll');
    const event = out[0];
    try {
      const type = tc.event_get_type(event);
      if (type === TC_EVENT_CONTEXT_ATTACHED && !sent) {
        // The trace context is on the conversation: whatever its flow and Data Actions do
        // from now on can join this session's trace. Time to say hello.
        check(tc.session_send(session, ...withLength('hello from Node'), null), 'tc_session_send');
        sent = true;
      } else if (type === TC_EVENT_MESSAGE_RECEIVED) {
        // The session's own messages come back too (role "guest").
        if (sent && eventText(event, TC_FIELD_SENDER_ROLE) === 'bot') return eventText(event, TC_FIELD_BODY);
      } else if (type === TC_EVENT_STATE_CHANGED) {
        // Closed or failed before the answer came; a lost connection is only "reconnecting".
        const to = [0];
        if (tc.event_number(event, TC_FIELD_STATE_TO, to) === TC_OK) {
          const state = Number(to[0]);
          if (state === TC_STATE_FAILED || state === TC_STATE_CLOSED) {
            const cause = eventText(event, TC_FIELD_CAUSE) ?? '';
            throw new Error(`the session ${state === TC_STATE_FAILED ? 'failed' : 'closed'}: ${cause}`);
          }
        }
      }
    } finally {
      tc.event_free(event); // every polled event is the caller's to free
    }
  }
}

async function main(argv) {
  if (argv.length !== 1) {
    console.error('usage: node chat.mjs <ws-url>');
    return 2;
  }
  const config = [null];
  const session = [null];
  try {
    check(tc.config_new(config), 'tc_config_new');
    check(tc.config_set_url(config[0], ...withLength(argv[0])), 'tc_config_set_url');
    check(tc.config_set_display_name(config[0], ...withLength('Node example')), 'tc_config_set_display_name');
    // No callback (null): the events wait in a queue that tc_session_poll drains.
    check(tc.session_open(config[0], null, null, session), 'tc_session_open');

    const reply = await converse(session[0]);
    const traceId = sessionText(tc.session_trace_id, session[0], 'tc_session_trace_id');
    const conversationId = sessionText(tc.session_conversation_id, session[0], 'tc_session_conversation_id');
    process.stdout.write(`trace_id=${traceId}\nconversation_id=${conversationId}\nreply=${reply}\n`);

    // End the conversation: what is still queued is sent first (tc_session_close returns
    // at once). Then wait for the session to be closed, in steps that do not block Node.
    check(tc.session_close(session[0]), 'tc_session_close');
    const closeBy = Date.now() + 10000;
    let status;
    while ((status = tc.session_wait_finished(session[0], 0)) === TC_ERR_TIMEOUT && Date.now() < closeBy) {
      await sleep(20);
    }
    check(status, 'tc_session_wait_finished');
    return 0;
  } catch (error) {
    console.error(error.message);
    return 1;
  } finally {
    // Every create has its destroy.
    if (session[0] !== null) tc.session_destroy(session[0]);
    if (config[0] !== null) tc.config_free(config[0]);
  }
}

process.exitCode = await main(process.argv.slice(2));
