/* test-reader.c: a GListModel reader that checks every emission
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "test-reader.h"

void
reader_check (Reader *reader)
{
  GListModel *model = reader->model;

  g_assert_cmpuint (g_list_model_get_n_items (model), ==, reader->shadow->len);
  for (guint i = 0; i < reader->shadow->len; i++)
    {
      g_autoptr(GObject) item = g_list_model_get_item (model, i);

      g_assert_true (item == g_ptr_array_index (reader->shadow, i));
    }
  g_assert_null (g_list_model_get_item (model, reader->shadow->len));
}

static void
reader_items_changed (GListModel *model,
                      guint       position,
                      guint       removed,
                      guint       added,
                      Reader     *reader)
{
  g_assert_true (g_main_context_is_owner (reader->context));
  g_assert_cmpuint (position + removed, <=, reader->shadow->len);
  g_ptr_array_remove_range (reader->shadow, position, removed);
  for (guint i = 0; i < added; i++)
    g_ptr_array_insert (reader->shadow, (int) (position + i), g_list_model_get_item (model, position + i));
  g_array_append_vals (reader->emissions, (guint[3]) { position, removed, added }, 1);
  reader_check (reader);
}

void
reader_init (Reader *reader)
{
  reader->context = g_main_context_new ();
  g_main_context_push_thread_default (reader->context);
  reader->model = NULL;
  reader->shadow = g_ptr_array_new_with_free_func (g_object_unref);
  reader->emissions = g_array_new (FALSE, FALSE, sizeof (guint) * 3);
}

void
reader_watch (Reader     *reader,
              GListModel *model)
{
  reader->model = model;
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    g_ptr_array_add (reader->shadow, g_list_model_get_item (model, i));
  g_signal_connect (model, "items-changed", G_CALLBACK (reader_items_changed), reader);
  g_assert_true (g_list_model_get_item_type (model) == GOPOD_TYPE_JOB);
}

void
reader_clear (Reader *reader)
{
  g_clear_object (&reader->model);
  g_ptr_array_unref (reader->shadow);
  g_array_unref (reader->emissions);
  while (g_main_context_iteration (reader->context, FALSE))
    ;
  g_main_context_pop_thread_default (reader->context);
  g_main_context_unref (reader->context);
}

guint
reader_look (Reader *reader)
{
  guint before = reader->emissions->len;

  while (g_main_context_iteration (reader->context, FALSE))
    ;
  return reader->emissions->len - before;
}

void
assert_emission (Reader *reader,
                 guint   index,
                 guint   position,
                 guint   removed,
                 guint   added)
{
  guint *e = &g_array_index (reader->emissions, guint, index * 3);

  g_assert_cmpuint (e[0], ==, position);
  g_assert_cmpuint (e[1], ==, removed);
  g_assert_cmpuint (e[2], ==, added);
}
