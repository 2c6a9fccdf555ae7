/* gopod-signal.c: SIGINT and SIGTERM, caught for the listeners that ask
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <errno.h>
#include <signal.h>
#include <unistd.h>

#include <glib-unix.h>

#include "gopod-signal-private.h"
#include "gopod-timer-private.h"

/* The handler only restores the old dispositions and writes to a pipe, both
 * async-signal-safe; a source on the library's timer thread reads the pipe
 * and tells the listeners. */

typedef struct
{
  GopodSignalFunc func;
  gpointer        data;
  GDestroyNotify  destroy;
} SignalListener;

static const int handled_signals[] = { SIGINT, SIGTERM };
#define N_HANDLED_SIGNALS G_N_ELEMENTS (handled_signals)

static GMutex signal_lock;  /* guards the three below */
static GList *signal_listeners;  /* SignalListener *, owned */
static gboolean signal_installed;
static struct sigaction signal_saved[N_HANDLED_SIGNALS];

static int signal_fired;  /* the signal caught and not yet dispatched, or 0 */
static int signal_pipe[2] = { -1, -1 };

static void signal_on_signal (int signum);

/* Puts back what was there before, except where someone replaced our
 * handler meanwhile: theirs stays. Async-signal-safe. */
static void
signal_restore_saved_actions (void)
{
  for (guint i = 0; i < N_HANDLED_SIGNALS; i++)
    {
      struct sigaction current;

      if (sigaction (handled_signals[i], NULL, &current) == 0 &&
          current.sa_handler == signal_on_signal)
        sigaction (handled_signals[i], &signal_saved[i], NULL);
    }
}

static void
signal_on_signal (int signum)
{
  int saved_errno = errno;
  char byte = 1;

  signal_restore_saved_actions ();
  g_atomic_int_set (&signal_fired, signum);
  while (write (signal_pipe[1], &byte, 1) < 0 && errno == EINTR)
    ;
  errno = saved_errno;
}

/* Called with signal_lock held: if a signal was caught, the listeners it
 * goes to, and its number in @signum. */
static GList *
signal_take_fired_locked (int *signum)
{
  *signum = g_atomic_int_exchange (&signal_fired, 0);
  if (*signum == 0)
    return NULL;

  /* The handler already put the old dispositions back. */
  signal_installed = FALSE;
  return g_steal_pointer (&signal_listeners);
}

static void
signal_listener_free (SignalListener *listener)
{
  if (listener->destroy != NULL)
    listener->destroy (listener->data);
  g_free (listener);
}

/* Tells every listener first, then lets them go. */
static void
signal_dispatch (GList *listeners,
                 int    signum)
{
  for (GList *l = listeners; l != NULL; l = l->next)
    {
      SignalListener *listener = l->data;

      listener->func (signum, listener->data);
    }
  g_list_free_full (listeners, (GDestroyNotify) signal_listener_free);
}

static gboolean
signal_on_wakeup (int           fd,
                  GIOCondition  condition,
                  gpointer      data)
{
  char buffer[16];
  GList *listeners;
  int signum;

  while (read (fd, buffer, sizeof buffer) > 0)
    ;

  g_mutex_lock (&signal_lock);
  listeners = signal_take_fired_locked (&signum);
  g_mutex_unlock (&signal_lock);

  signal_dispatch (listeners, signum);

  return G_SOURCE_CONTINUE;
}

/* The pipe and its watch live as long as the process, like GLib's own. */
static gboolean
signal_ensure_pipe (void)
{
  static gsize done;

  if (g_once_init_enter (&done))
    {
      GError *error = NULL;
      GSource *source;

      if (g_unix_open_pipe (signal_pipe, FD_CLOEXEC, &error) &&
          g_unix_set_fd_nonblocking (signal_pipe[0], TRUE, &error) &&
          g_unix_set_fd_nonblocking (signal_pipe[1], TRUE, &error))
        {
          source = g_unix_fd_source_new (signal_pipe[0], G_IO_IN);
          g_source_set_static_name (source, "[pod-glib] signals");
          g_source_set_callback (source, G_SOURCE_FUNC (signal_on_wakeup), NULL, NULL);
          g_source_attach (source, gopod_timer_get_context ());
          g_source_unref (source);
        }
      else
        {
          g_warning ("pod-glib cannot watch signals: %s", error->message);
          g_clear_error (&error);
        }
      g_once_init_leave (&done, 1);
    }

  return signal_pipe[1] >= 0;
}

static void
signal_install_handler_locked (void)
{
  struct sigaction action = { 0 };

  action.sa_handler = signal_on_signal;
  /* Both blocked while either is handled: the second of two signals that
   * arrive together finds the old dispositions already back. */
  sigemptyset (&action.sa_mask);
  for (guint i = 0; i < N_HANDLED_SIGNALS; i++)
    sigaddset (&action.sa_mask, handled_signals[i]);
  action.sa_flags = SA_RESTART;

  for (guint i = 0; i < N_HANDLED_SIGNALS; i++)
    sigaction (handled_signals[i], &action, &signal_saved[i]);
  signal_installed = TRUE;
}

gboolean
gopod_signal_add_listener (GopodSignalFunc func,
                           gpointer        data,
                           GDestroyNotify  destroy)
{
  SignalListener *listener;
  GList *fired;
  int signum;

  if (!signal_ensure_pipe ())
    {
      if (destroy != NULL)
        destroy (data);
      return FALSE;
    }

  listener = g_new (SignalListener, 1);
  *listener = (SignalListener) { func, data, destroy };

  g_mutex_lock (&signal_lock);
  /* A signal caught but not dispatched yet belongs to the listeners that
   * were there before this one. */
  fired = signal_take_fired_locked (&signum);
  if (!signal_installed)
    signal_install_handler_locked ();
  signal_listeners = g_list_prepend (signal_listeners, listener);
  g_mutex_unlock (&signal_lock);

  signal_dispatch (fired, signum);
  return TRUE;
}

static gint
signal_listener_compare (gconstpointer a,
                         gconstpointer b)
{
  const SignalListener *la = a, *lb = b;

  return la->func == lb->func && la->data == lb->data ? 0 : 1;
}

void
gopod_signal_remove_listener (GopodSignalFunc func,
                              gpointer        data)
{
  SignalListener key = { func, data, NULL };
  GList *link;

  g_mutex_lock (&signal_lock);
  link = g_list_find_custom (signal_listeners, &key, signal_listener_compare);
  if (link != NULL)
    signal_listeners = g_list_remove_link (signal_listeners, link);
  if (signal_listeners == NULL && signal_installed &&
      g_atomic_int_get (&signal_fired) == 0)
    {
      signal_restore_saved_actions ();
      signal_installed = FALSE;
    }
  g_mutex_unlock (&signal_lock);

  if (link != NULL)
    {
      signal_listener_free (link->data);
      g_list_free_1 (link);
    }
}

void
gopod_signal_fill_set (sigset_t *set)
{
  sigemptyset (set);
  for (guint i = 0; i < N_HANDLED_SIGNALS; i++)
    sigaddset (set, handled_signals[i]);
}
