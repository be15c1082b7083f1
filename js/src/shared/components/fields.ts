/**
 * Small form pieces shared by the widgets: a labelled field, and a number input bound to a
 * synced trait (marked invalid instead of sent when it is not a number).
 */
import { h } from "../dom";

export function labelled(text: string, control: HTMLElement, extra = ""): HTMLLabelElement {
  return h("label", { class: `sl-field ${extra}`.trim() }, h("span", { class: "sl-field-label" }, text), control);
}

/**
 * Send `input`'s number on change or Enter through `save` (null for an empty box when
 * `nullable`); a value that is not a finite number marks the box `sl-invalid` instead.
 */
export function bindNumber(
  input: HTMLInputElement,
  current: () => number | null | undefined,
  save: (value: number | null) => void,
  nullable = false,
): void {
  const commit = () => {
    const raw = input.value.trim();
    const v = raw === "" ? null : Number(raw);
    if ((v === null && !nullable) || (v !== null && !Number.isFinite(v))) {
      input.classList.add("sl-invalid");
      return;
    }
    input.classList.remove("sl-invalid");
    if (v !== current()) save(v);
  };
  input.addEventListener("change", commit);
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter") commit();
  });
}

/** Show a trait's number in `input` unless the user is typing in it. */
export function showNumber(input: HTMLInputElement, value: number | null | undefined): void {
  if (document.activeElement === input) return;
  input.value = value === null || value === undefined ? "" : String(value);
}
