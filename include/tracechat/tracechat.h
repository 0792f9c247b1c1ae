/* tracechat's C ABI: a guest chat session whose trace context reaches the conversation,
 * for a chat UI written in any language that can call C (C, C++ of any compiler, Python
 * through ctypes, Node through an FFI, Swift, Go, ...).
 *
 * The rules, which hold for every function:
 *  - Every name is tc_ (types tc_*, constants TC_*). Handles are opaque; every create has
 *    its destroy (tc_config_new/tc_config_free, tc_session_open/tc_session_destroy,
 *    tc_span_start/tc_span_end, tc_session_poll or tc_event_clone/tc_event_free).
 *  - Functions that can fail return a tc_status; on failure tc_last_error() describes it
 *    (per thread, until this thread's next failing call). No C++ exception crosses.
 *    The few that return something else (tc_event_get_type, tc_event_text, ...) return
 *    0 or NULL for a bad handle or field, and set tc_last_error() too.
 *  - A handle that is NULL, destroyed, or not a handle at all is TC_ERR_INVALID_HANDLE,
 *    never a crash (destroy and free twice included): handles are checked against the
 *    ones alive. A handle may be used from several threads at once.
 *  - Strings are UTF-8 with a length; TC_NUL_TERMINATED as the length means "up to the
 *    NUL". Text that is not valid UTF-8 is TC_ERR_INVALID_ARGUMENT.
 *  - Text handed out is copied into the caller's buffer (buf, capacity, &length), with a
 *    NUL after it: when the text and its NUL do not fit, TC_ERR_BUFFER_TOO_SMALL, and
 *    *length is the text's length (without the NUL) either way. An event's text is the
 *    exception: it points into the event (NUL-terminated too) and lives as long as the
 *    event. Out-lengths may be NULL.
 *
 * Threads. Every function may be called from any thread. A session runs on a thread of
 * its own. Its events go either to a callback, called on that thread, one at a time
 * (keep it short; it may call the tc_session_* functions of its own session, except
 * tc_session_destroy and tc_session_wait_finished, which return TC_ERR_WRONG_THREAD
 * there), or, with no callback, into a queue the UI drains with tc_session_poll from its
 * own loop. The first callbacks may come before tc_session_open has returned (their
 * session argument is the handle it returns). tc_session_destroy waits for calls in
 * progress on other threads (a blocking poll: at most its timeout) and for a callback
 * in progress; once it has returned, the callback is never called again.
 *
 * docs/embedding.md shows the smallest working program in C, C++, Python and Node. */
#ifndef TRACECHAT_TRACECHAT_H
#define TRACECHAT_TRACECHAT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#define TC_API
#else
#define TC_API __attribute__((visibility("default")))
#endif

/* The ABI's version: the shared library's SONAME is libtracechat_c.so.<TC_ABI_VERSION>.
 * It changes only when a change is incompatible; additions keep it. */
#define TC_ABI_VERSION 1

/* Every enum is an int: in C its *_MAX_ENUM (0x7fffffff) makes it one, in C++ it is
 * fixed to int, so any int a caller passes is a value of the type (C++ leaves a value
 * outside an enum's range undefined) and the library refuses one that names nothing. */
#ifdef __cplusplus
#define TC_ENUM_INT : int
#else
#define TC_ENUM_INT
#endif

/* As a length: the string ends at its NUL. */
#define TC_NUL_TERMINATED ((size_t)-1)

typedef enum tc_status TC_ENUM_INT {
  TC_OK = 0,
  TC_ERR_INVALID_ARGUMENT = 1, /* a NULL out-pointer, text that is not UTF-8, a value refused */
  TC_ERR_INVALID_HANDLE = 2,   /* NULL, destroyed, or not a handle of this kind */
  TC_ERR_CLOSED = 3,           /* the session is closing, closed or failed */
  TC_ERR_REFUSED = 4,          /* the session refused it (queue full, over a limit): see tc_last_error */
  TC_ERR_TIMEOUT = 5,          /* tc_session_poll: no event in time */
  TC_ERR_BUFFER_TOO_SMALL = 6, /* the length needed is in *length */
  TC_ERR_WRONG_THREAD = 7,     /* from the session's own callback, where it cannot be done */
  TC_ERR_INTERNAL = 8,         /* a bug or out of memory: see tc_last_error */
  TC_STATUS_MAX_ENUM = 0x7fffffff
} tc_status;

/* Why this thread's last failing call failed (UTF-8, never NULL; "" before any). Valid
 * until this thread calls the library again. */
TC_API const char* tc_last_error(void);
/* A status's name, such as "TC_ERR_CLOSED" ("TC_ERR_UNKNOWN" for a value that is none). */
TC_API const char* tc_status_name(tc_status status);
/* The library's version ("0.1.0"), and TC_ABI_VERSION as the library was built. */
TC_API const char* tc_version(void);
TC_API int tc_abi_version(void);

/* ---- configuration ------------------------------------------------------------------ */

typedef struct tc_config tc_config;

typedef enum tc_dialect TC_ENUM_INT {
  TC_DIALECT_AUTOMATIC = 0, /* from the URL: /v1/{org}/guest/{guest}/connect or /v1?deploymentId= */
  TC_DIALECT_GUEST_CHAT = 1,
  TC_DIALECT_WEB_MESSAGING = 2,
  TC_DIALECT_MAX_ENUM = 0x7fffffff
} tc_dialect;

/* Web Messaging: when the trace context reaches the conversation. A Presence Join starts
 * a conversation, so the context rides on one only when the deployment auto-starts
 * conversations; otherwise it goes with the guest's first message (docs/client.md). */
typedef enum tc_auto_start TC_ENUM_INT {
  TC_AUTO_START_FROM_DEPLOYMENT = 0, /* read from the deployment's config.json (tc_session_open waits for it) */
  TC_AUTO_START_ON = 1,
  TC_AUTO_START_OFF = 2,
  TC_AUTO_START_MAX_ENUM = 0x7fffffff
} tc_auto_start;

TC_API tc_status tc_config_new(tc_config** out);
TC_API tc_status tc_config_free(tc_config* config);
/* Where to chat (the last of these two set counts): a ws:// or wss:// URL (http and
 * https are taken as ws and wss)... */
TC_API tc_status tc_config_set_url(tc_config* config, const char* url, size_t url_length);
/* ...or a Web Messaging deployment (a UUID) in a region: a region name ("us-west-2"), or
 * a base URL that serves everything ("http://127.0.0.1:8080", the emulator). */
TC_API tc_status tc_config_set_deployment(tc_config* config, const char* region, size_t region_length,
                                          const char* deployment_id, size_t deployment_id_length);
TC_API tc_status tc_config_set_dialect(tc_config* config, tc_dialect dialect);
TC_API tc_status tc_config_set_display_name(tc_config* config, const char* name, size_t name_length);
/* One of the caller's attributes, attached with the trace context (setting a key again
 * replaces its value; the value may be empty, not NULL). */
TC_API tc_status tc_config_set_attribute(tc_config* config, const char* key, size_t key_length, const char* value,
                                         size_t value_length);
/* A PEM file of CAs to trust besides the system's (TLS verification is always on). */
TC_API tc_status tc_config_set_ca_file(tc_config* config, const char* path, size_t path_length);
/* The Origin of the WebSocket upgrade (scheme://host[:port]); default https:// + the host. */
TC_API tc_status tc_config_set_origin(tc_config* config, const char* origin, size_t origin_length);
TC_API tc_status tc_config_set_auto_start(tc_config* config, tc_auto_start auto_start);
/* Export the session's spans over OTLP/HTTP to this base URL ("http://127.0.0.1:4318");
 * without one (and without OTEL_EXPORTER_OTLP_* variables) nothing is exported, and the
 * ids still propagate. */
TC_API tc_status tc_config_set_otlp_endpoint(tc_config* config, const char* url, size_t url_length);
/* The service.name of the spans (default "tracechat-chat-ui"). OTEL_SERVICE_NAME, when
 * set, overrides it, so that whoever runs the program can rename it. */
TC_API tc_status tc_config_set_service_name(tc_config* config, const char* name, size_t name_length);
/* Continue this trace: the chat.session span becomes a child of this traceparent. */
TC_API tc_status tc_config_set_parent(tc_config* config, const char* traceparent, size_t traceparent_length);
/* Put each message's text on its span as chat.message.text: 1 yes, 0 no (the default).
 * Off unless asked for: the text is what the guest wrote, and it then sits in every
 * trace store the spans reach. Any other value is TC_ERR_INVALID_ARGUMENT. */
TC_API tc_status tc_config_set_record_message_text(tc_config* config, int record);

/* ---- events ------------------------------------------------------------------------- */

typedef struct tc_event tc_event;

typedef enum tc_event_type TC_ENUM_INT {
  TC_EVENT_STATE_CHANGED = 1,       /* TC_FIELD_STATE_FROM/TO, TC_FIELD_CAUSE */
  TC_EVENT_CONNECTED = 2,           /* TC_FIELD_CONVERSATION_ID, SESSION_ID, TRACE_ID, RESUMED */
  TC_EVENT_CONTEXT_ATTACHED = 3,    /* the trace context is on the conversation; attributes: what was sent */
  TC_EVENT_MESSAGE_RECEIVED = 4,    /* MESSAGE_ID, SENDER_ROLE, SENDER_NAME, BODY, OWN, and when there is one,
                                       TRACEPARENT and CLIENT_ID (an own message); quick replies */
  TC_EVENT_MESSAGE_DELIVERED = 5,   /* CLIENT_ID, MESSAGE_ID */
  TC_EVENT_MESSAGE_FAILED = 6,      /* CLIENT_ID, ERROR */
  TC_EVENT_MEMBER_CHANGED = 7,      /* JOINED, ROLE, DISPLAY_NAME */
  TC_EVENT_TYPING = 8,              /* MEMBER */
  TC_EVENT_ATTRIBUTES_CHANGED = 9,  /* attributes: the conversation's, after the change (guest-chat) */
  TC_EVENT_RATE_LIMITED = 10,       /* RETRY_AFTER_MS, QUEUED */
  TC_EVENT_WARNING = 11,            /* CODE, MESSAGE */
  TC_EVENT_CONVERSATION_ENDED = 12, /* REASON */
  TC_EVENT_MAX_ENUM = 0x7fffffff
} tc_event_type;

typedef enum tc_event_field TC_ENUM_INT {
  /* text */
  TC_FIELD_CAUSE = 1,
  TC_FIELD_CONVERSATION_ID = 2,
  TC_FIELD_SESSION_ID = 3,
  TC_FIELD_TRACE_ID = 4,
  TC_FIELD_MESSAGE_ID = 5,
  TC_FIELD_SENDER_ROLE = 6,
  TC_FIELD_SENDER_NAME = 7,
  TC_FIELD_BODY = 8,
  TC_FIELD_TRACEPARENT = 9,
  TC_FIELD_ERROR = 10,
  TC_FIELD_ROLE = 11,
  TC_FIELD_DISPLAY_NAME = 12,
  TC_FIELD_MEMBER = 13,
  TC_FIELD_CODE = 14,
  TC_FIELD_MESSAGE = 15,
  TC_FIELD_REASON = 16,
  /* numbers */
  TC_FIELD_STATE_FROM = 100, /* a tc_state */
  TC_FIELD_STATE_TO = 101,
  TC_FIELD_CLIENT_ID = 102, /* what tc_session_send gave */
  TC_FIELD_RESUMED = 103,   /* 0 or 1 */
  TC_FIELD_OWN = 104,       /* 0 or 1: the session's own message, as the server stored it */
  TC_FIELD_JOINED = 105,    /* 0 or 1 */
  TC_FIELD_RETRY_AFTER_MS = 106,
  TC_FIELD_QUEUED = 107,
  TC_FIELD_CONTEXT_ON_FIRST_MESSAGE = 108, /* CONNECTED: 1 when the context goes with the guest's first
                                              message (Web Messaging without auto-start), 0 when it is
                                              attached after the handshake */
  TC_FIELD_MAX_ENUM = 0x7fffffff
} tc_event_field;

TC_API tc_event_type tc_event_get_type(const tc_event* event);
/* A text field, or NULL when the event has no such field (or it is absent, such as a
 * message's traceparent). Valid as long as the event. */
TC_API const char* tc_event_text(const tc_event* event, tc_event_field field, size_t* length);
/* A number field; TC_ERR_INVALID_ARGUMENT when the event has no such field (or this
 * event has none, such as CLIENT_ID of another member's message). */
TC_API tc_status tc_event_number(const tc_event* event, tc_event_field field, uint64_t* value);
/* A received message's quick replies (Web Messaging buttons): how many, and each one's
 * label and payload (valid as long as the event). Answer one with tc_session_send_quick_reply. */
TC_API size_t tc_event_quick_reply_count(const tc_event* event);
TC_API tc_status tc_event_quick_reply(const tc_event* event, size_t index, const char** text, size_t* text_length,
                                      const char** payload, size_t* payload_length);
/* The attributes an event carries (CONTEXT_ATTACHED, ATTRIBUTES_CHANGED; none for the
 * others), in key order: how many, and each key and value (valid as long as the event). */
TC_API size_t tc_event_attribute_count(const tc_event* event);
TC_API tc_status tc_event_attribute(const tc_event* event, size_t index, const char** key, size_t* key_length,
                                    const char** value, size_t* value_length);
/* One line for a person ("bot: Hello" ...), as `tracechat chat` prints it. */
TC_API const char* tc_event_describe(const tc_event* event, size_t* length);
/* An event of the callback is lent for the call; a clone is the caller's to free. */
TC_API tc_status tc_event_clone(const tc_event* event, tc_event** out);
TC_API tc_status tc_event_free(tc_event* event);

/* ---- the session -------------------------------------------------------------------- */

typedef struct tc_session tc_session;

typedef enum tc_state TC_ENUM_INT {
  TC_STATE_IDLE = 0,
  TC_STATE_CONNECTING = 1,
  TC_STATE_HANDSHAKING = 2,
  TC_STATE_ATTACHING_CONTEXT = 3,
  TC_STATE_ACTIVE = 4,
  TC_STATE_RECONNECTING = 5,
  TC_STATE_CLOSING = 6,
  TC_STATE_CLOSED = 7,
  TC_STATE_FAILED = 8,
  TC_STATE_MAX_ENUM = 0x7fffffff
} tc_state;

/* Called on the session's thread with each event; the event is lent for the call. */
typedef void (*tc_event_callback)(tc_session* session, const tc_event* event, void* user_data);

/* Checks the configuration and starts connecting (the config may be freed afterwards).
 * With a callback, events go to it; with NULL, into the queue tc_session_poll reads. */
TC_API tc_status tc_session_open(const tc_config* config, tc_event_callback callback, void* user_data,
                                 tc_session** out);
/* Leaves at once (no drain; the conversation stays open for a resume, as with a lost
 * connection) and frees the session. tc_session_close first to end the conversation.
 * With an OTLP endpoint it waits for the session's spans to be exported (up to the
 * exporter's timeout, OTEL_EXPORTER_OTLP_TIMEOUT). From the session's own callback:
 * TC_ERR_WRONG_THREAD. A callback that waits for a thread which is destroying its
 * session (or two sessions whose callbacks destroy each other) deadlocks: destroy from a
 * thread that no callback waits for. */
TC_API tc_status tc_session_destroy(tc_session* session);

/* Queues a message; *client_id (may be NULL) names it in later events. */
TC_API tc_status tc_session_send(tc_session* session, const char* text, size_t text_length, uint64_t* client_id);
/* Answers a quick reply with its label and payload (guest-chat, which has no buttons:
 * the label is sent as a message). */
TC_API tc_status tc_session_send_quick_reply(tc_session* session, const char* text, size_t text_length,
                                             const char* payload, size_t payload_length, uint64_t* client_id);
/* Sets a conversation attribute, or deletes it when value is NULL. */
TC_API tc_status tc_session_set_attribute(tc_session* session, const char* key, size_t key_length, const char* value,
                                          size_t value_length);
/* Tells the other side the guest is typing. */
TC_API tc_status tc_session_typing(tc_session* session);
/* Sends what is queued (up to 10 s), ends the conversation and closes; returns at once. */
TC_API tc_status tc_session_close(tc_session* session);
/* Waits up to timeout_ms for the session to be closed or failed: TC_OK when it is,
 * TC_ERR_TIMEOUT when not yet. Timeouts here and in tc_session_poll are at most 2^40 ms
 * (35 years; INT64_MAX means as long as that). */
TC_API tc_status tc_session_wait_finished(tc_session* session, int64_t timeout_ms);
/* Poll mode: the next event (yours to tc_event_free), waiting up to timeout_ms (0: do not
 * wait); TC_ERR_TIMEOUT when there is none, also once the session has closed or failed
 * and its last events are read (a STATE_CHANGED said so). With a callback, always
 * TC_ERR_INVALID_ARGUMENT. */
TC_API tc_status tc_session_poll(tc_session* session, int64_t timeout_ms, tc_event** out);

TC_API tc_status tc_session_state(const tc_session* session, tc_state* state);
/* The trace (32 hex digits), and the chat.session span's traceparent. */
TC_API tc_status tc_session_trace_id(const tc_session* session, char* buf, size_t capacity, size_t* length);
TC_API tc_status tc_session_traceparent(const tc_session* session, char* buf, size_t capacity, size_t* length);
/* The conversation's id where the dialect shows it to guests (guest-chat); "" otherwise. */
TC_API tc_status tc_session_conversation_id(const tc_session* session, char* buf, size_t capacity, size_t* length);
/* Why the session failed ("" unless it did). */
TC_API tc_status tc_session_failure(const tc_session* session, char* buf, size_t capacity, size_t* length);

/* ---- the trace core: the UI's own work joins the session's trace -------------------- */

typedef struct tc_span_context {
  uint8_t trace_id[16];
  uint8_t span_id[8];
  uint8_t trace_flags; /* W3C trace-flags: 1 is sampled */
  uint8_t remote;      /* 1: read from a traceparent rather than made here */
} tc_span_context;

/* A W3C traceparent (version 00; later versions as the spec allows) into a context. */
TC_API tc_status tc_traceparent_parse(const char* text, size_t text_length, tc_span_context* out);
/* "00-<trace id>-<span id>-<flags>": 55 characters. */
TC_API tc_status tc_traceparent_format(const tc_span_context* context, char* buf, size_t capacity, size_t* length);
/* The chat.session span's context. */
TC_API tc_status tc_session_context(const tc_session* session, tc_span_context* out);

typedef struct tc_span tc_span;

/* Starts a span in the session's trace: a child of `parent`, or of the chat.session span
 * when parent is NULL. Exported with the session's spans. */
TC_API tc_status tc_span_start(tc_session* session, const char* name, size_t name_length, const tc_span_context* parent,
                               tc_span** out);
TC_API tc_status tc_span_set_attribute(tc_span* span, const char* key, size_t key_length, const char* value,
                                       size_t value_length);
/* Marks the span failed, with a description. */
TC_API tc_status tc_span_set_error(tc_span* span, const char* description, size_t description_length);
TC_API tc_status tc_span_get_context(const tc_span* span, tc_span_context* out);
/* Ends the span and frees it (a span may end after its session is destroyed). */
TC_API tc_status tc_span_end(tc_span* span);

#ifdef __cplusplus
}
#endif

#endif /* TRACECHAT_TRACECHAT_H */
