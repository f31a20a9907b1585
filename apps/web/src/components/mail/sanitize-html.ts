import createDOMPurify, { type WindowLike } from "dompurify";

/**
 * Message HTML, made safe to put into the sandboxed message frame (and nowhere else).
 *
 * DOMPurify removes scripts, event handlers, javascript: links, forms and anything that could
 * load a page or plug-in; a hook then removes every reference that would make the reader's
 * browser contact another server (tracking pixels, EFAIL exfiltration URLs, remote CSS and
 * fonts) while remote content is blocked, counting them so the reader can choose to allow them.
 * The frame's own Content-Security-Policy repeats the rule, so a reference the hook misses
 * still does not load.
 */

export interface SanitizedMessage {
  /** The complete document for `<iframe sandbox="" srcdoc=…>`. */
  srcDoc: string;
  /** How many remote references were removed (0 when remote content is allowed). */
  blocked: number;
}

const FORBID_TAGS = [
  "script",
  "noscript",
  "template",
  "object",
  "embed",
  "applet",
  "iframe",
  "frame",
  "frameset",
  "portal",
  "form",
  "input",
  "button",
  "select",
  "option",
  "textarea",
  "base",
  "meta",
  "link",
];

// ping: a click report to any server; the form attributes go with the forms.
const FORBID_ATTR = ["action", "formaction", "ping", "srcdoc", "http-equiv"];

/** Attributes whose value the browser fetches on its own. */
const RESOURCE_ATTRS = ["src", "background", "poster", "lowsrc", "dynsrc"];

export const BLOCKED_POLICY =
  "default-src 'none'; img-src data: cid:; style-src 'unsafe-inline'; font-src data:";
export const ALLOWED_POLICY =
  "default-src 'none'; img-src data: https: http:; style-src 'unsafe-inline' https: http:; font-src data: https: http:";

/** Our own look for the frame: system fonts, and nothing wider than the pane. */
const FRAME_STYLE =
  "html,body{margin:0}body{padding:12px;font:14px/1.5 system-ui,sans-serif;color:#0f172a;overflow-wrap:anywhere}img,video{max-width:100%;height:auto}table{max-width:100%}pre{white-space:pre-wrap}";

type UrlKind = "inline" | "remote" | "local";

/**
 * inline: data:/cid: (nothing is fetched from a server). remote: another host (an absolute
 * URL, or protocol-relative // and \\ which browsers treat alike). local: relative to the
 * frame's base, which is our own page, so it is never useful and always removed.
 */
export function urlKind(value: string): UrlKind {
  // Browsers ignore control characters and whitespace around and inside a URL's scheme.
  let v = "";
  for (const ch of value) {
    const code = ch.codePointAt(0) ?? 0;
    if (code > 0x20 && code !== 0x7f) v += ch;
  }
  if (/^(data|cid):/i.test(v)) return "inline";
  if (/^[\\/]{2}/.test(v) || /^[a-z][a-z0-9+.-]*:/i.test(v)) return "remote";
  return "local";
}

/** Removes url(…) and @import references that would load something, counting remote ones. */
export function filterCss(css: string, allowRemote: boolean): { css: string; blocked: number } {
  let blocked = 0;
  const keep = (target: string): boolean => {
    const kind = urlKind(target);
    if (kind === "inline") return true;
    if (kind === "remote") {
      if (allowRemote) return true;
      blocked++;
    }
    return false;
  };
  let out = css.replace(
    /@import\s+(?:url\(\s*(?:"([^"]*)"|'([^']*)'|([^)]*?))\s*\)|"([^"]*)"|'([^']*)')[^;]*;?/gi,
    (rule, a?: string, b?: string, c?: string, d?: string, e?: string) =>
      keep(a ?? b ?? c ?? d ?? e ?? "") ? rule : "",
  );
  out = out.replace(
    /url\(\s*(?:"([^"]*)"|'([^']*)'|([^)]*?))\s*\)/gi,
    (ref, a?: string, b?: string, c?: string) => (keep(a ?? b ?? c ?? "") ? ref : "none"),
  );
  if (!allowRemote) {
    // Escapes (\75 rl), image-set("…") and the like can still name a host: rather than parse
    // CSS here, a style that still mentions one is dropped whole. data: images are not hosts.
    const rest = decodeCssEscapes(out)
      .replace(/\/\*[\s\S]*?\*\//g, "")
      .replace(/url\(\s*["']?\s*data:[^)]*\)/gi, "");
    if (/[\\/]{2}/.test(rest)) return { css: "", blocked: blocked + 1 };
  }
  return { css: out, blocked };
}

function decodeCssEscapes(css: string): string {
  return css.replace(/\\([0-9a-f]{1,6})\s?|\\(.)/gi, (_, hex?: string, ch?: string) =>
    hex ? String.fromCodePoint(Math.min(Number.parseInt(hex, 16), 0x10ffff) || 0xfffd) : (ch ?? ""),
  );
}

function filterSrcset(value: string, allowRemote: boolean): { value: string | null; blocked: number } {
  const urls = value
    .split(",")
    .map((candidate) => candidate.trim().split(/\s+/)[0] ?? "")
    .filter(Boolean);
  const kinds = urls.map(urlKind);
  const remote = kinds.filter((k) => k === "remote").length;
  if (kinds.includes("local") || (remote > 0 && !allowRemote))
    return { value: null, blocked: allowRemote ? 0 : remote };
  return { value, blocked: 0 };
}

/** Sanitises message HTML and wraps it in the frame document (browser, or jsdom in tests). */
export function sanitizeMessageHtml(
  html: string,
  options: { allowRemote: boolean; window?: WindowLike },
): SanitizedMessage {
  const win = options.window ?? (globalThis.window as WindowLike | undefined);
  if (!win) throw new TypeError("sanitizeMessageHtml needs a DOM window");
  // A fresh instance per call: the hooks below close over this call's options and count.
  const purify = createDOMPurify(win);
  if (!purify.isSupported) throw new TypeError("this browser cannot sanitise HTML safely");
  const { allowRemote } = options;
  let blocked = 0;

  purify.addHook("uponSanitizeElement", (node, data) => {
    if (data.tagName === "style" && node.textContent) {
      const filtered = filterCss(node.textContent, allowRemote);
      blocked += filtered.blocked;
      node.textContent = filtered.css;
    }
  });

  purify.addHook("afterSanitizeAttributes", (node) => {
    const el = node as Element;
    if (typeof el.getAttribute !== "function") return;
    const tag = el.tagName.toLowerCase();
    const resourceAttrs =
      tag === "a" || tag === "area" ? RESOURCE_ATTRS : [...RESOURCE_ATTRS, "href", "xlink:href"];
    for (const name of resourceAttrs) {
      const value = el.getAttribute(name);
      if (value === null) continue;
      const kind = urlKind(value);
      if (kind === "inline" || (kind === "remote" && allowRemote)) continue;
      if (kind === "remote") blocked++;
      el.removeAttribute(name);
    }
    const srcset = el.getAttribute("srcset");
    if (srcset !== null) {
      const filtered = filterSrcset(srcset, allowRemote);
      blocked += filtered.blocked;
      if (filtered.value === null) el.removeAttribute("srcset");
    }
    const style = el.getAttribute("style");
    if (style !== null) {
      const filtered = filterCss(style, allowRemote);
      blocked += filtered.blocked;
      if (filtered.css.trim() === "") el.removeAttribute("style");
      else el.setAttribute("style", filtered.css);
    }
    if (tag === "a" || tag === "area") {
      const href = el.getAttribute("href");
      // A link relative to our own page leads nowhere useful; an outside link opens a new
      // window (which the sandbox refuses) rather than loading the page inside the frame.
      if (href !== null && urlKind(href) === "local" && !href.startsWith("#")) el.removeAttribute("href");
      if (href !== null && !href.startsWith("#")) {
        el.setAttribute("target", "_blank");
        el.setAttribute("rel", "noopener noreferrer");
      }
    }
  });

  const clean = purify.sanitize(html, {
    USE_PROFILES: { html: true },
    FORBID_TAGS,
    FORBID_ATTR,
    ALLOW_DATA_ATTR: false,
    // Leading <style> elements (a message's <head>) stay with the body instead of being lost.
    FORCE_BODY: true,
    RETURN_TRUSTED_TYPE: false,
  });
  purify.removeAllHooks();

  const policy = allowRemote ? ALLOWED_POLICY : BLOCKED_POLICY;
  const srcDoc =
    `<!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy" content="${policy}">` +
    `<meta charset="utf-8"><meta name="referrer" content="no-referrer"><style>${FRAME_STYLE}</style></head>` +
    `<body>${clean}</body></html>`;
  return { srcDoc, blocked: allowRemote ? 0 : blocked };
}
