// @vitest-environment happy-dom
import { describe, expect, it } from "vitest";
import { isDarkTheme, readTheme, vegaConfig } from "../src/shared/theme";

describe("theme", () => {
  it("follows JupyterLab's light/dark flag and --jp-* variables", () => {
    document.body.setAttribute("data-jp-theme-light", "false");
    expect(isDarkTheme()).toBe(true);
    const el = document.createElement("div");
    el.style.setProperty("--jp-ui-font-color0", "rgb(1, 2, 3)");
    document.body.appendChild(el);
    const t = readTheme(el);
    expect(t.dark).toBe(true);
    expect(t.text).toBe("rgb(1, 2, 3)");
    const cfg = vegaConfig(t) as any;
    expect(cfg.background).toBeNull();
    expect(cfg.axis.titleColor).toBe("rgb(1, 2, 3)");
    document.body.setAttribute("data-jp-theme-light", "true");
    expect(isDarkTheme()).toBe(false);
    expect(readTheme(el).muted).toBe("#616161");
  });
});
