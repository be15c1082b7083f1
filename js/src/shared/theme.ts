/**
 * A Vega config that follows JupyterLab's theme: colours and fonts come from the --jp-* CSS
 * variables (with fallbacks for plain HTML pages), so light and dark themes both read well.
 */

export interface ThemeColors {
  dark: boolean;
  text: string;
  muted: string;
  grid: string;
  domain: string;
  background: string;
  font: string;
  fontSize: number;
}

const LIGHT: ThemeColors = {
  dark: false,
  text: "#212121",
  muted: "#616161",
  grid: "#e0e0e0",
  domain: "#9e9e9e",
  background: "#ffffff",
  font: "system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif",
  fontSize: 12,
};

const DARK: ThemeColors = {
  ...LIGHT,
  dark: true,
  text: "#e6e6e6",
  muted: "#b0b0b0",
  grid: "#3a3a3a",
  domain: "#757575",
  background: "#111111",
};

/** Is JupyterLab (or the page) in a dark theme? */
export function isDarkTheme(doc: Document = document): boolean {
  const flag = doc.body?.getAttribute("data-jp-theme-light");
  if (flag === "false") return true;
  if (flag === "true") return false;
  return typeof matchMedia === "function" && matchMedia("(prefers-color-scheme: dark)").matches;
}

/** Theme colours read from the element's computed --jp-* variables. */
export function readTheme(el: Element): ThemeColors {
  const base = isDarkTheme(el.ownerDocument) ? DARK : LIGHT;
  const style = getComputedStyle(el);
  const v = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
  const size = parseFloat(v("--jp-ui-font-size1", `${base.fontSize}px`));
  return {
    dark: base.dark,
    text: v("--jp-ui-font-color0", base.text),
    muted: v("--jp-ui-font-color2", base.muted),
    grid: v("--jp-border-color2", base.grid),
    domain: v("--jp-border-color1", base.domain),
    background: v("--jp-layout-color0", base.background),
    font: v("--jp-ui-font-family", base.font),
    fontSize: Number.isFinite(size) && size > 6 ? size : base.fontSize,
  };
}

/** The Vega(-Lite) config for a theme: transparent background, theme text and grid colours. */
export function vegaConfig(t: ThemeColors): Record<string, unknown> {
  const label = { labelColor: t.muted, titleColor: t.text, labelFont: t.font, titleFont: t.font };
  return {
    background: null,
    font: t.font,
    view: { stroke: t.grid },
    axis: {
      ...label,
      domainColor: t.domain,
      tickColor: t.domain,
      gridColor: t.grid,
      gridOpacity: t.dark ? 0.6 : 1,
      labelFontSize: t.fontSize - 1,
      titleFontSize: t.fontSize,
      titleFontWeight: 600,
    },
    legend: {
      ...label,
      labelFontSize: t.fontSize - 1,
      titleFontSize: t.fontSize - 1,
      titleFontWeight: 600,
    },
    title: { color: t.text, font: t.font },
    text: { color: t.text },
    rule: { color: t.muted },
  };
}
