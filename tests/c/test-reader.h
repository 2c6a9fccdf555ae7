/* test-reader.h: a GListModel reader that checks every emission
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <pod-glib.h>

G_BEGIN_DECLS

/* A reader of a job model as a GtkListView is one: it keeps its own copy,
 * changed only by what items-changed says, and checks at every emission
 * that the copy is what the model holds. */
typedef struct
{
  GMainContext *context;    /* pushed as thread-default while the reader lives */
  GListModel   *model;      /* owned */
  GPtrArray    *shadow;     /* of GopodJob, owned */
  GArray       *emissions;  /* of guint[3]: position, removed, added */
} Reader;

void   reader_init     (Reader     *reader);
/* Takes @model, copying what it holds now. */
void   reader_watch    (Reader     *reader,
                        GListModel *model);
void   reader_clear    (Reader     *reader);
void   reader_check    (Reader     *reader);
/* Runs what is ready on the reader's context; returns how many emissions
 * that made. */
guint  reader_look     (Reader     *reader);
void   assert_emission (Reader     *reader,
                        guint       index,
                        guint       position,
                        guint       removed,
                        guint       added);

G_END_DECLS
