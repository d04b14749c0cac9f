import assert from "node:assert/strict";
import { it } from "node:test";
import { html } from "./html.js";

it("escapes interpolated text and keeps nested templates as markup", () => {
  const name = `<script>alert("x")</script>`;
  const page = html`<p title="${name}">${name}${html`<b>${"a&b"}</b>`}${[html`<i>1</i>`, "<2>"]}</p>`;
  assert.equal(
    page.markup,
    '<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;<b>a&amp;b</b><i>1</i>&lt;2&gt;</p>',
  );
});
