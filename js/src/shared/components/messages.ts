/**
 * The error box and the notes area every widget shows: the kernel's `error` trait (its
 * ScalingLabError message; hidden when empty) and `notes` (one line each). Text only.
 *
 *   const msgs = messageArea({ notesTag: "ul" });
 *   msgs.showError(model.get("error")); msgs.showNotes(model.get("notes"));
 */
import { h, replaceChildren } from "../dom";

export interface MessageAreaOptions {
  /** "ul" (a list of notes) or "div" (paragraphs). */
  notesTag?: "ul" | "div";
  notesClass?: string;
}

export function messageArea(o: MessageAreaOptions = {}) {
  const errorBox = h("div", { class: "sl-error", "data-testid": "sl-error", role: "alert", hidden: true });
  const tag = o.notesTag ?? "ul";
  const notesBox = h(tag, { class: o.notesClass ?? "sl-notes", hidden: true });
  let drawnNotes = "";
  return {
    errorBox,
    notesBox,
    showError(message: string | null | undefined): void {
      const text = message ?? "";
      if (errorBox.textContent !== text) errorBox.textContent = text;
      errorBox.hidden = !text;
    },
    showNotes(notes: string[] | null | undefined): void {
      const list = notes ?? [];
      const key = JSON.stringify(list);
      if (key === drawnNotes) return;
      drawnNotes = key;
      replaceChildren(notesBox, list.map((n) => h(tag === "ul" ? "li" : "p", tag === "ul" ? {} : { class: "sl-note" }, n)));
      notesBox.hidden = list.length === 0;
    },
  };
}
