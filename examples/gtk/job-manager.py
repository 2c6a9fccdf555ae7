#!/usr/bin/python3
# job-manager.py: a GTK 4 job manager on pod-glib's job registry (Python)
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The Python port of job-manager.c: SHA-256 checksums of files on a
# Gopod.Pod, one job per file, the pod's live model of jobs in a
# Gtk.ListView (title, status, progress, pause and cancel per row), and in
# the header the pod's progress, a pause-all toggle and a max-workers spin
# button bound to the pod.
#
#   job-manager.py [FOLDER]         checksum FOLDER's files, or a generated set
#   job-manager.py --self-test DIR  drive a batch through the actions and
#                                   check it (DIR holds its files)
#
# Unlike the C program it takes no screenshot: PyGObject 3.42 cannot handle
# GTK 4.8's render nodes.

import hashlib
import os
import sys

import gi

gi.require_version('Gopod', '1.0')
gi.require_version('Gtk', '4.0')
from gi.repository import Gio, GLib, GObject, Gopod, Gtk  # noqa: E402

CHUNK_SIZE = 64 * 1024
SIZES_KB = [96, 2048, 512, 4096, 1024, 8192, 256, 3072, 640, 6144, 128, 1536]


class ChecksumJob(Gopod.Job):
    """The SHA-256 of one file, read through GIO with the job's cancellable."""

    def __init__(self, file):
        super().__init__(title=file.get_basename(), key=file.get_path(), status='Waiting')
        self.file = file

    def do_run(self, cancellable):
        stream = self.file.read(cancellable)
        size = stream.query_info(Gio.FILE_ATTRIBUTE_STANDARD_SIZE, cancellable).get_size()
        digest = hashlib.sha256()
        done = 0
        self.set_status('Reading')
        # Each chunk is a pause point: paused, the job waits here; cancelled,
        # check_pause raises GLib.Error and the job ends CANCELLED.
        while self.check_pause(cancellable):
            data = stream.read_bytes(CHUNK_SIZE, cancellable).get_data()
            if not data:
                break
            digest.update(data)
            done += len(data)
            self.set_status(f'Hashing: {GLib.format_size(done)} of {GLib.format_size(size)}')
            self.set_progress(min(1.0, done / size) if size else 1.0)
        self.set_progress(1.0)
        self.set_status(f'SHA-256 {digest.hexdigest()[:16]}…')
        return True


def default_folder(parent):
    """A set of files of varied sizes, made once."""
    folder = os.path.join(parent, 'pod-glib-job-manager')
    os.makedirs(folder, exist_ok=True)
    for i, kb in enumerate(SIZES_KB):
        path = os.path.join(folder, f'file-{i:02d}-{kb}kB.bin')
        if not os.path.exists(path):
            with open(path, 'wb') as f:
                f.write(bytes((b * 31 + i) & 0xff for b in range(kb * 1024)))
    return folder


def row_status(job):
    """What a row says under the title: the job's status, or what became of it."""
    error = job.get_error()
    if job.get_state() == Gopod.JobState.CANCELLED:
        return 'Cancelled'
    if error is not None:
        return f'Failed: {error.message}'
    if job.get_paused():
        return f'Paused ({job.props.status or "waiting"})'
    return job.props.status or ''


class Row(Gtk.Box):
    def __init__(self):
        super().__init__(spacing=12, margin_start=12, margin_end=12, margin_top=6, margin_bottom=6)
        labels = Gtk.Box(orientation=Gtk.Orientation.VERTICAL, spacing=2, width_request=260)
        self.title = Gtk.Label(xalign=0)
        self.status = Gtk.Label(xalign=0, css_classes=['dim-label'])
        labels.append(self.title)
        labels.append(self.status)
        self.progress = Gtk.ProgressBar(hexpand=True, valign=Gtk.Align.CENTER)
        self.pause = Gtk.ToggleButton(icon_name='media-playback-pause-symbolic', tooltip_text='Pause')
        self.cancel = Gtk.Button(icon_name='process-stop-symbolic', tooltip_text='Cancel')
        for widget in (labels, self.progress, self.pause, self.cancel):
            self.append(widget)
        self.job = None
        self.bindings = []
        self.handlers = []
        self.pause.connect('toggled', self.on_pause_toggled)
        self.cancel.connect('clicked', lambda button: self.job and self.job.cancel())

    def on_pause_toggled(self, button):
        if self.job is not None and button.get_active() != self.job.get_paused():
            self.job.props.paused = button.get_active()
            # An ended job does not pause (and notifies nothing): show what
            # the job is, not what was clicked.
            if button.get_active() != self.job.get_paused():
                button.set_active(self.job.get_paused())

    def show_status(self, *args):
        self.status.set_label(row_status(self.job))

    def bind(self, job):
        self.job = job
        flags = GObject.BindingFlags.SYNC_CREATE
        self.bindings = [job.bind_property('title', self.title, 'label', flags),
                         job.bind_property('progress', self.progress, 'fraction', flags),
                         job.bind_property('paused', self.pause, 'active', flags)]
        self.handlers = [job.connect(f'notify::{name}', self.show_status)
                         for name in ('status', 'state', 'paused')]
        self.show_status()

    def unbind(self):
        for binding in self.bindings:
            binding.unbind()
        for handler in self.handlers:
            self.job.disconnect(handler)
        self.job, self.bindings, self.handlers = None, [], []


class JobManager(Gtk.Application):
    def __init__(self):
        super().__init__(application_id='org.gnome.PodGlib.JobManagerPython',
                         flags=Gio.ApplicationFlags.HANDLES_COMMAND_LINE | Gio.ApplicationFlags.NON_UNIQUE)
        self.add_main_option('self-test', 0, GLib.OptionFlags.NONE, GLib.OptionArg.FILENAME,
                             'Drive a batch through the actions and check it, with its files in DIR',
                             'DIR')
        self.pod = Gopod.Pod.new(2)
        # The work in flight keeps the application running, window or not.
        self.pod.props.application = self
        self.jobs = self.pod.get_jobs()
        self.pod.start()
        self.window = None
        self.self_test_dir = None
        self.failed = False
        self.add_actions()

    # --- actions: everything a user does, and how the self-test drives it ---

    def add_actions(self):
        def simple(name, callback, parameter_type=None):
            action = Gio.SimpleAction.new(name, GLib.VariantType(parameter_type) if parameter_type else None)
            action.connect('activate', callback)
            self.add_action(action)

        simple('add-folder', lambda a, p: self.add_folder(p.get_string()), 's')
        simple('choose-folder', lambda a, p: self.choose_folder())
        def on_job(method):
            def activate(action, parameter):
                # The row may have gone between the click and the action
                # (its job ended): nothing to do then.
                job = self.job_at(parameter.get_uint32())
                if job is not None:
                    method(job)
            return activate

        simple('pause-job', on_job(Gopod.Job.pause), 'u')
        simple('resume-job', on_job(Gopod.Job.resume), 'u')
        simple('cancel-job', on_job(Gopod.Job.cancel), 'u')
        simple('set-workers', lambda a, p: self.pod.set_max_workers(max(1, p.get_uint32())), 'u')
        pause_all = Gio.SimpleAction.new_stateful('pause-all', None, GLib.Variant.new_boolean(False))
        pause_all.connect('change-state', self.on_pause_all)
        self.add_action(pause_all)

    def on_pause_all(self, action, state):
        if state.get_boolean():
            self.pod.pause()
        else:
            self.pod.start()
        action.set_state(state)

    def job_at(self, position):
        return self.jobs.get_item(position)

    def add_folder(self, path):
        folder = Gio.File.new_for_path(path)
        names = sorted(info.get_name() for info in folder.enumerate_children(
            'standard::name,standard::type', Gio.FileQueryInfoFlags.NONE, None)
            if info.get_file_type() == Gio.FileType.REGULAR)
        for name in names:
            self.pod.add_job(ChecksumJob(folder.get_child(name)), None)

    def choose_folder(self):
        dialog = Gtk.FileChooserNative.new('Checksum a Folder', self.window,
                                           Gtk.FileChooserAction.SELECT_FOLDER, '_Checksum', None)

        def on_response(dialog, response):
            if response == Gtk.ResponseType.ACCEPT:
                self.activate_action('add-folder', GLib.Variant.new_string(dialog.get_file().get_path()))
            self.dialog = None

        dialog.connect('response', on_response)
        self.dialog = dialog
        dialog.show()

    # --- the window ---

    def header(self):
        header = Gtk.HeaderBar()
        progress = Gtk.ProgressBar(width_request=240, valign=Gtk.Align.CENTER, show_text=True)
        self.pod.bind_property('progress', progress, 'fraction', GObject.BindingFlags.SYNC_CREATE)
        header.set_title_widget(progress)
        pause_all = Gtk.ToggleButton(icon_name='media-playback-pause-symbolic', tooltip_text='Pause all',
                                     action_name='app.pause-all')
        folder = Gtk.Button(icon_name='folder-open-symbolic', tooltip_text='Checksum a folder',
                            action_name='app.choose-folder')
        adjustment = Gtk.Adjustment(value=1, lower=1, upper=16, step_increment=1, page_increment=4)
        workers = Gtk.SpinButton(adjustment=adjustment, tooltip_text='Workers')
        # The spin button and the pod's max-workers are one value.
        self.pod.bind_property('max-workers', adjustment, 'value',
                               GObject.BindingFlags.BIDIRECTIONAL | GObject.BindingFlags.SYNC_CREATE)
        header.pack_start(folder)
        header.pack_start(pause_all)
        header.pack_end(workers)
        return header

    def make_window(self):
        factory = Gtk.SignalListItemFactory()
        factory.connect('setup', lambda f, item: item.set_child(Row()))
        factory.connect('bind', lambda f, item: item.get_child().bind(item.get_item()))
        factory.connect('unbind', lambda f, item: item.get_child().unbind())
        listview = Gtk.ListView(model=Gtk.NoSelection(model=self.jobs), factory=factory)
        window = Gtk.ApplicationWindow(application=self, title='Checksums', default_width=720,
                                       default_height=560)
        window.set_titlebar(self.header())
        window.set_child(Gtk.ScrolledWindow(child=listview))
        return window

    def do_activate(self):
        self.window = self.make_window()
        self.window.present()
        if self.self_test_dir is not None:
            self.self_test()

    def do_command_line(self, command_line):
        value = command_line.get_options_dict().lookup_value('self-test', GLib.VariantType('ay'))
        if value is not None:
            self.self_test_dir = os.fsdecode(value.get_bytestring())
            sys.excepthook = self.on_exception
        self.activate()
        if self.self_test_dir is None:
            args = command_line.get_arguments()[1:]
            folder = args[0] if args else default_folder(GLib.get_user_cache_dir())
            self.activate_action('add-folder', GLib.Variant.new_string(folder))
        return 0

    # --- the self-test: a batch driven through the actions ---

    def on_exception(self, *exc_info):
        # In a self-test an exception in a callback fails the run at once.
        sys.__excepthook__(*exc_info)
        self.check(False, 'no exception')

    def check(self, ok, what):
        print(('ok ' if ok else 'FAILED ') + what, flush=True)
        if not ok:
            # The rest would wait for what did not happen.
            self.failed = True
            self.quit()

    def self_test(self):
        # All paused while the batch is added, until the first job is paused
        # and the second cancelled; ended jobs stay listed until the batch ends.
        self.pod.set_keep_ended_ms(3600 * 1000)
        self.change_action_state('pause-all', GLib.Variant.new_boolean(True))
        self.first_rows = self.jobs.connect('items-changed', self.on_first_rows)
        self.activate_action('add-folder', GLib.Variant.new_string(default_folder(self.self_test_dir)))
        self.check(self.jobs.get_n_items() == 0, 'the model changes on the main loop only')

    def on_first_rows(self, model, position, removed, added):
        model.disconnect(self.first_rows)
        self.check(model.get_n_items() >= 3, 'the batch is listed')
        self.activate_action('pause-job', GLib.Variant.new_uint32(0))
        self.activate_action('cancel-job', GLib.Variant.new_uint32(1))
        self.check(self.job_at(0).get_paused(), 'the first job is paused')
        # A row that is gone (a stale click) names no job: nothing happens.
        self.activate_action('cancel-job', GLib.Variant.new_uint32(model.get_n_items()))
        self.counters = [self.pod.connect(f'notify::{name}', self.on_counters)
                         for name in ('succeeded', 'cancelled')]
        self.activate_action('set-workers', GLib.Variant.new_uint32(3))
        self.change_action_state('pause-all', GLib.Variant.new_boolean(False))

    def on_counters(self, pod, pspec):
        # Only the paused job is left, held in the queue.
        if pod.get_running() != 0 or pod.get_queued() != 1 or pod.get_succeeded() + 2 != pod.get_submitted():
            return
        for handler in self.counters:
            pod.disconnect(handler)
        self.check(self.jobs.get_n_items() == pod.get_submitted(), 'ended jobs are kept under keep-ended-ms')
        self.activate_action('resume-job', GLib.Variant.new_uint32(0))
        self.pod.wait_async(None, self.on_batch_done)

    def on_batch_done(self, pod, result):
        self.check(pod.wait_finish(result), 'the batch ended')
        self.emptied = self.jobs.connect('items-changed', self.on_model_changed)
        pod.set_keep_ended_ms(0)

    def on_model_changed(self, model, position, removed, added):
        if model.get_n_items() != 0:
            return
        model.disconnect(self.emptied)
        pod = self.pod
        self.check(True, 'the model emptied')
        self.check(pod.get_cancelled() == 1, 'one job cancelled')
        self.check(pod.get_failed() == 0, 'no job failed')
        self.check(pod.get_succeeded() + 1 == pod.get_submitted(), 'the others succeeded')
        self.check(pod.get_max_workers() == 3, 'the pod was resized to 3 workers')
        print(f'{pod.get_submitted()} jobs: {pod.get_succeeded()} succeeded, {pod.get_cancelled()} cancelled')
        self.quit()


def main():
    app = JobManager()
    status = app.run(sys.argv)
    app.pod.shutdown(Gopod.ShutdownMode.DISCARD, None)
    app.pod.props.application = None
    return status or int(app.failed)


if __name__ == '__main__':
    sys.exit(main())
