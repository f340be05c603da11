// Running this module's actions the NS8 way (ns8-platform.md §7): the task
// is POSTed with ns8-ui-lib's createModuleTaskForApp; its outcome comes
// back as events the cluster admin (the core, our parent window) raises on
// core.$root once its websocket reports the task's progress:
//
//   <action>-progress-<eventId>           (progress)             if extra.isProgressNotified
//   <action>-completed-<eventId>          (taskContext, taskResult)
//   <action>-aborted-<eventId>            (taskResult, taskContext)
//   <action>-validation-failed-<eventId>  (validationErrors, taskContext)
//
// runTask wraps that dance in a Promise, so that views read like
// `const out = await this.runTask("get-report")`.
import { TaskService, UtilService } from "@nethserver/ns8-ui-lib";
import { isForbidden, noteRefusal, readerAction as readerActionName } from "./access";

// TaskError is the rejection of runTask for a task that did not complete:
// kind "aborted" (details = taskResult: output, error, exit_code),
// "validation-failed" (details = the agent's validation errors) or
// "forbidden" (the api-server refused to queue it: the user's role on the
// module does not allow the action; details = the HTTP response body).
export class TaskError extends Error {
  constructor(kind, action, details) {
    super(action + ": " + kind);
    this.kind = kind;
    this.action = action;
    this.details = details;
  }

  // stderrText is the useful part of an aborted task's stderr: the binary
  // writes its reason on the last non-empty lines, with a "<N>" priority
  // prefix for journald that a person does not need.
  get stderrText() {
    const err = (this.details && this.details.error) || "";
    return err
      .split("\n")
      .map((l) => l.replace(/^<\d>/, "").trim())
      .filter((l) => l)
      .slice(-3)
      .join("\n");
  }
}

// The instance name ("nethvoice-preflight1") is in the cluster admin's URL:
// #/apps/<module_id>?page=... Module ids contain dashes, so \w+ is not enough.
export function instanceNameFromParent() {
  try {
    const m = /#\/apps\/([A-Za-z0-9_-]+)/.exec(window.parent.location.hash);
    return m ? m[1] : "";
  } catch (e) {
    return ""; // not embedded, or embedded by another origin
  }
}

export const TaskMixin = {
  mixins: [TaskService, UtilService],
  computed: {
    // The core's root Vue instance; ns8-ui-lib's helpers (goToAppPage,
    // QueryParamService) expect it as this.core.
    core() {
      return window.parent.core;
    },
    instanceName() {
      return instanceNameFromParent();
    },
  },
  methods: {
    // runTask submits `action` with `data` and resolves with its output.
    // Options: title (task notification title; without it the core keeps
    // the task out of its notification drawer, right for read-only tasks),
    // onProgress(percent) for a live progress bar.
    runTask(action, data, opts = {}) {
      const root = this.core.$root;
      const eventId = this.getUuid();
      const ev = (what) => `${action}-${what}-${eventId}`;
      const names = ["completed", "aborted", "validation-failed", "progress"].map(ev);
      const cleanup = () => names.forEach((n) => root.$off(n));
      return new Promise((resolve, reject) => {
        // Listeners go first: a fast task could finish before the POST
        // returns.
        root.$once(ev("completed"), (taskContext, taskResult) => {
          cleanup();
          resolve(taskResult.output);
        });
        root.$once(ev("aborted"), (taskResult) => {
          cleanup();
          reject(new TaskError("aborted", action, taskResult));
        });
        root.$once(ev("validation-failed"), (validationErrors) => {
          cleanup();
          reject(new TaskError("validation-failed", action, validationErrors));
        });
        if (opts.onProgress) {
          root.$on(ev("progress"), opts.onProgress);
        }
        const extra = {
          title: opts.title || this.instanceName + "/" + action,
          description: opts.description || "",
          isNotificationHidden: !opts.title,
          isProgressNotified: !!opts.onProgress,
          eventId,
        };
        this.createModuleTaskForApp(this.instanceName, { action, data: data === undefined ? null : data, extra }).catch(
          (err) => {
            cleanup();
            if (isForbidden(err)) {
              noteRefusal(action);
              reject(new TaskError("forbidden", action, err.response.data));
              return;
            }
            reject(err);
          }
        );
      });
    },

    // errorText is a one-paragraph explanation of a failed runTask.
    errorText(err) {
      if (err instanceof TaskError) {
        if (err.kind === "forbidden") {
          return this.$t(readerActionName(err.action) ? "access.no_role" : "access.owner_only", {
            action: err.action,
          });
        }
        if (err.kind === "aborted") {
          return this.$t("error.task_aborted", { action: err.action }) + (err.stderrText ? " " + err.stderrText : "");
        }
        return this.$t("error.task_validation", { action: err.action });
      }
      return this.getErrorMessage(err);
    },
  },
};

// fieldErrors maps the agent's validation errors ([{field, parameter,
// value, error}], error named "<parameter>_<type>") to {field: messageKey}
// where field is the JSON path ("ns7.port", "ignore.0.id") and messageKey
// the i18n key of the error type ("validation.number_lte"). The first
// error of a field wins; an anyOf failure names the field with "any_of".
export function fieldErrors(validationErrors) {
  const out = {};
  for (const e of Array.isArray(validationErrors) ? validationErrors : []) {
    if (!e || typeof e.field !== "string") {
      continue;
    }
    const field = e.field.replace(/^\(root\)\.?/, "") || e.parameter || "";
    let type = String(e.error || "");
    if (e.parameter && type.startsWith(e.parameter + "_")) {
      type = type.slice(e.parameter.length + 1);
    }
    if (!(field in out)) {
      out[field] = type;
    }
  }
  return out;
}
