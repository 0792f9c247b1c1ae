/* chat: the smallest working program on tracechat's C ABI (tracechat/tracechat.h).
 *
 * It opens a guest chat session, waits until the session's trace context is on the
 * conversation, says hello, waits for the bot's answer and prints three lines:
 *
 *   trace_id=<the session's trace, 32 hex digits>
 *   conversation_id=<the conversation that carries it>
 *   reply=<what the bot said>
 *
 * then ends the conversation and exits 0. Any failure: what went wrong on stderr, exit 1
 * (it gives up when the bot has not answered within 20 seconds).
 *
 *   tracechat emulator --listen 127.0.0.1:8080 &
 *   ./chat ws://127.0.0.1:8080/v1/<organization id>/guest/<guest id>/connect
 *
 * (the emulator with no configuration takes any UUIDs as the two ids, such as
 * 5d6e0a54-7c34-4c2e-9b4b-0f1b2c3d4e5f and 0f0e0d0c-0b0a-4908-8706-050403020100).
 *
 * Build it with the CMakeLists.txt beside it, or with pkg-config:
 *   cc chat.c $(pkg-config --cflags --libs tracechat) -o chat */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <tracechat/tracechat.h>

/* A call failed: its status's name, and tc_last_error(), which says why (it is kept per
 * thread until the thread's next failing call, so read it before calling anything else
 * that could fail). */
static int report(const char* call, tc_status status) {
  fprintf(stderr, "%s: %s: %s\n", call, tc_status_name(status), tc_last_error());
  return 1;
}

/* Runs a tc_* call; on failure reports it and goes to the clean-up. */
#define TRY(call)               \
  do {                          \
    tc_status status_ = (call); \
    if (status_ != TC_OK) {     \
      report(#call, status_);   \
      goto done;                \
    }                           \
  } while (0)

/* Reads the session's events until the bot answers the guest's hello. Returns 0 with the
 * answer in *reply (malloc'ed), or 1 after saying on stderr why not. */
static int converse(tc_session* session, char** reply) {
  const time_t deadline = time(NULL) + 20;
  int sent = 0;
  while (*reply == NULL) {
    if (time(NULL) >= deadline) {
      fprintf(stderr, "no %s within 20 s\n", sent ? "answer from the bot" : "trace context on the conversation");
      return 1;
    }
    /* Poll mode: the next event, waiting up to 250 ms. TC_ERR_TIMEOUT only means that
     * none came; a UI loop would draw and read input here. */
    tc_event* event = NULL;
    tc_status status = tc_session_poll(session, 250, &event);
    if (status == TC_ERR_TIMEOUT) continue;
    if (status != TC_OK) return report("tc_session_poll", status);

    int failed = 0;
    switch (tc_event_get_type(event)) {
      case TC_EVENT_CONTEXT_ATTACHED:
        /* The trace context is on the conversation: whatever its flow and Data Actions
         * do from now on can join this session's trace. Time to say hello. */
        if (!sent) {
          status = tc_session_send(session, "hello from C", TC_NUL_TERMINATED, NULL);
          if (status != TC_OK) failed = report("tc_session_send", status);
          sent = 1;
        }
        break;
      case TC_EVENT_MESSAGE_RECEIVED: {
        /* An event's text comes with its length and lives only as long as the event:
         * copy what you keep. The session's own messages come back too (role "guest"). */
        size_t role_length = 0, body_length = 0;
        const char* role = tc_event_text(event, TC_FIELD_SENDER_ROLE, &role_length);
        const char* body = tc_event_text(event, TC_FIELD_BODY, &body_length);
        if (sent && role != NULL && body != NULL && role_length == 3 && memcmp(role, "bot", 3) == 0) {
          *reply = malloc(body_length + 1);
          if (*reply == NULL) {
            fputs("out of memory\n", stderr);
            failed = 1;
            break;
          }
          memcpy(*reply, body, body_length);
          (*reply)[body_length] = '\0';
        }
        break;
      }
      case TC_EVENT_STATE_CHANGED: {
        /* Closed or failed before the answer came (a refused URL, the server gone...):
         * the event's cause says why. A lost connection is only "reconnecting". */
        uint64_t to = 0;
        if (tc_event_number(event, TC_FIELD_STATE_TO, &to) == TC_OK &&
            (to == TC_STATE_FAILED || to == TC_STATE_CLOSED)) {
          size_t length = 0;
          const char* cause = tc_event_text(event, TC_FIELD_CAUSE, &length);
          fprintf(stderr, "the session %s: %.*s\n", to == TC_STATE_FAILED ? "failed" : "closed",
                  cause != NULL ? (int)length : 0, cause != NULL ? cause : "");
          failed = 1;
        }
        break;
      }
      default: break; /* connected, delivered, typing...: not needed here */
    }
    tc_event_free(event); /* every polled event is the caller's to free */
    if (failed) return 1;
  }
  return 0;
}

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s <ws-url>\n", argv[0]);
    return 2;
  }
  int result = 1;
  tc_config* config = NULL;
  tc_session* session = NULL;
  char* reply = NULL;
  char trace_id[33]; /* 32 hex digits and the NUL */
  char conversation_id[128];
  size_t length = 0;

  TRY(tc_config_new(&config));
  /* Strings are UTF-8 with a length; TC_NUL_TERMINATED means "up to the NUL". */
  TRY(tc_config_set_url(config, argv[1], TC_NUL_TERMINATED));
  TRY(tc_config_set_display_name(config, "C example", TC_NUL_TERMINATED));
  /* No callback (NULL): the events wait in a queue that tc_session_poll drains, on
   * whatever thread the program likes. The session itself runs on a thread of its own. */
  TRY(tc_session_open(config, NULL, NULL, &session));

  if (converse(session, &reply) != 0) goto done;

  /* Text the library hands out is copied into the caller's buffer (NUL-terminated);
   * one too small is TC_ERR_BUFFER_TOO_SMALL with the length needed in `length`. */
  TRY(tc_session_trace_id(session, trace_id, sizeof trace_id, &length));
  TRY(tc_session_conversation_id(session, conversation_id, sizeof conversation_id, &length));
  printf("trace_id=%s\nconversation_id=%s\nreply=%s\n", trace_id, conversation_id, reply);
  fflush(stdout);

  /* End the conversation: what is still queued is sent first (tc_session_close returns at
   * once), then wait for the session to be closed. */
  TRY(tc_session_close(session));
  TRY(tc_session_wait_finished(session, 10000));
  result = 0;

done:
  free(reply);
  /* Every create has its destroy. tc_session_destroy alone would leave at once and keep
   * the conversation open for a resume, as a lost connection does. */
  if (session != NULL) tc_session_destroy(session);
  if (config != NULL) tc_config_free(config);
  return result;
}
