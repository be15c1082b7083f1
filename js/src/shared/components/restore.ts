/**
 * Saved-state restore for every widget: a view drawn from the widget state saved in the
 * notebook (no kernel object behind it) keeps that state in the next save (see ../restore.ts)
 * and says so in `hint`.
 */
import { keepSavedState } from "../restore";

export function restoreSavedState(
  model: { widget_manager?: unknown; get(name: string): unknown },
  hint: HTMLElement | null,
  text = "Saved view from the notebook: run the cell to compute again.",
): () => void {
  return keepSavedState(model, String(model.get("_model_ref") ?? ""), () => {
    if (hint) {
      hint.textContent = text;
      hint.hidden = false;
    }
  });
}
