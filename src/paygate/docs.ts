/**
 * Renders docs/paygate.md from the tables and the code registry, so the document cannot drift
 * from the code (docs.test.ts fails when the committed file is stale; regenerate with
 * `npx tsx scripts/paygate-docs.ts`).
 */

import { CODES, type CodeDefinition, type CodeName, categoryOf, PARAMETER_IDS } from "./codes.js";
import {
  EU_ADDRESS_COUNTRIES,
  NOTIFICATION_TYPES,
  PARAMETER_TABLES,
  type ParameterRow,
  type ParameterTable,
  STATE_NOT_SUPPORTED,
} from "./tables.js";

/** The working assumptions taken where reference/paygate-protocol.md says UNCONFIRMED. */
export const UNCONFIRMED_CHOICES: ReadonlyArray<readonly [string, string]> = [
  [
    "Blowfish implementation",
    "Our own Blowfish (src/paygate/blowfish.ts): Node 20 does not load OpenSSL's legacy provider, and shops importing the client should not need `--openssl-legacy-provider`. Checked against Eric Young's vectors, the Paygate vectors B1/B2 and OpenSSL's `bf-ecb` on random inputs.",
  ],
  [
    "Padding of answers (§1.5)",
    "Blowfish answers need no padding: Kasse closes their plaintext with `&Filler=x…` so that its UTF-8 bytes fill whole 8-byte blocks (the plug-ins strip padding in ways that do not agree: the WooCommerce SDK `rtrim`s zero bytes, pretix `rstrip`s whitespace and would otherwise compare a zero-padded MAC, FATCHIP cuts at `Len`), and the filler is at least as long as the text's multi-byte surplus, so a reader that cuts at `Len` bytes loses only filler (paygate-plugins.md). Nothing is added to ASCII text that already fills its blocks. AES answers use PKCS#7. Inbound, padding is removed by content (valid PKCS#7 tail, then trailing zero bytes), so zero, PKCS#5/#7 and FATCHIP's double padding all decode.",
  ],
  [
    "Len (§1.4)",
    "Outbound `Len` counts characters (code points) of the UTF-8 plaintext: Computop's own PHP sample and every FATCHIP plug-in cut with `mb_substr($plain, 0, $len)` and count with `mb_strlen`; the WooCommerce SDK and pretix ignore `Len` on answers. Inbound `Len` must equal the byte or the character length (the WooCommerce SDK counts bytes with `strlen`), or exceed the byte length by less than one block.",
  ],
  [
    "Charset (§1.4)",
    "Plaintext is UTF-8 both ways: pretix decodes Paygate's answers with `.decode(\"UTF-8\")` and the PHP plug-ins hand them to UTF-8 shops unconverted. Inbound bytes that are not valid UTF-8 are read as Windows-1252 (Latin-1 plus €; Paygate's notify is declared iso-8859-1); bytes that are neither are what a wrong key yields (`20010003`).",
  ],
  [
    "URL-decoding of values (§1.3)",
    "Values are taken raw, never URL-decoded; `%XX` in address fields stays text.",
  ],
  ["Hex case", "Data is emitted in lower case (Computop's example, PHP `bin2hex`); either case is accepted."],
  ["MAC case", "MACs are emitted in upper case and compared case-insensitively in constant time."],
  [
    "MAC on UpdateAuthorizeAmount and RTF=R (§2.1)",
    "Their seed tables list no MAC: the client sends none, a gateway verifies one if present.",
  ],
  [
    "MAC on reverse.aspx (§5.8)",
    "Accepted over `PayID**MerchantID**` (the seed's fields) or the full `PayID*TransID*MerchantID*Amount*Currency`.",
  ],
  [
    "MAC on the ShopUrl hand-off (§5.3)",
    "Sent, as `PayID*TransID*mid*PENDING*Code`, like every other browser return.",
  ],
  [
    "Code/Description in the init answer (§5.1)",
    "Added after the seed's rows (optional), so a refused init says why.",
  ],
  [
    "Parameter ids in codes (positions 5–8, §3.1)",
    "Computop's table was not retrievable; Kasse numbers the parameters itself (table below, append-only).",
  ],
  [
    "Class of parameter codes",
    'Missing parameter (010) and missing value (015) are class `4` (fatal: "mandatory parameter missing"); other parameter faults (011–019) class `2`.',
  ],
  ["Amazon Pay module id (§3.1)", "`A20`, a free id in the payment-method range."],
  [
    "Crypto and MAC failures (§8.5)",
    "Module `001` with the affected outer field as detail: `20010003` Data (not hex, AES without an AES key, or a wrong key: \"Data could not be decrypted with this merchant's key\"), `20010002` Len (the Description gives Len and the text's characters and bytes), `20010004` MAC.",
  ],
  [
    "Credit before Amazon confirms (§5.7)",
    "`Status=PENDING` with `6A200002`, then a CreditNotification with the final result.",
  ],
  ["RTF literal values in answers (§5.3)", "Amazon's `OneTime` / `Recurring`."],
  ["Scope list separator", "Not fixed: Scope is validated as letters plus special characters (`as..128`)."],
  [
    "Empty optional values",
    "`refnr=` and the like count as absent; an empty mandatory value is refused with module 015.",
  ],
  [
    "Formats the seeds' own examples break",
    "Validated with the wider format in the `accept` column (e.g. addresses with house numbers in `a` fields, `cycle=Variable` in `an..7`, 36-character checkout session ids in `ans..32`).",
  ],
];

const FORMAT_NOTATION: ReadonlyArray<readonly [string, string]> = [
  ["a", "letters (Unicode)"],
  ["n", "digits 0–9"],
  ["s (in as, ns, ans)", "special: any printable character that is neither letter nor digit, space included"],
  ["an, as, ns, ans", "the union of their parts; control characters are never allowed"],
  ["3", "fixed length 3"],
  ["..3", "up to 3 characters; `..` alone: any length"],
  ["bool", "`true` or `false`"],
  ["dttm", "ISO date-time `YYYY-MM-DDThh:mm:ss`"],
  ["enum", "one of the values the row lists"],
];

function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

function rowNotes(row: ParameterRow): string {
  const notes: string[] = [];
  if (row.condition !== undefined) notes.push(`C: ${row.condition}.`);
  if (row.values !== undefined) notes.push(`Values: ${row.values.map((v) => `\`${v}\``).join(", ")}.`);
  if (row.accept !== undefined) notes.push(`Kasse accepts \`${row.accept}\`.`);
  if (row.note !== undefined) notes.push(row.note);
  if (row.origin === "reference") notes.push("(from the reference, not in the seed table)");
  if (row.german !== undefined) notes.push(`*${row.german}*`);
  return notes.join(" ");
}

function renderTable(table: ParameterTable): string {
  const lines = [
    `### ${table.title}`,
    "",
    `Page: \`${table.page}\` · channel: ${table.channels.join(", ")} · source: ${table.source} · id: \`${table.id}\``,
    "",
    "| Key | Format | CND | Meaning | Notes |",
    "| --- | --- | --- | --- | --- |",
    ...table.rows.map(
      (row) =>
        `| \`${row.key}\` | \`${row.format}\` | ${row.presence} | ${cell(row.meaning)} | ${cell(rowNotes(row))} |`,
    ),
  ];
  return lines.join("\n");
}

function renderCodes(): string {
  const entries = Object.entries(CODES) as Array<[CodeName, CodeDefinition]>;
  const fixed = entries.filter(([, d]) => !d.perParameter);
  const families = entries.filter(([, d]) => d.perParameter);
  return [
    "## Result codes",
    "",
    "`Code` has 8 characters: position 1 the class (`0` success, `2` error, `4` fatal error, `6` pending —",
    "the final status follows asynchronously, `7` 3-D Secure, cards only), positions 2–4 the module,",
    "5–8 the detail or the affected parameter. Only `00000000` means success.",
    "",
    "Every code Kasse sends, with its source: where a public source shows Computop's real code (or",
    "the part of it named), it is cited; `kasse` marks a number Kasse chose inside the A4 scheme.",
    "",
    "| Name | Code | Class | HTTP (JSON API) | Description | Source |",
    "| --- | --- | --- | --- | --- | --- |",
    ...fixed.map(
      ([name, d]) =>
        `| \`${name}\` | \`${d.code}\` | ${categoryOf(d.code)} | ${d.httpStatus} | ${cell(d.message)} | ${cell(d.source)} |`,
    ),
    "",
    "Parameter codes: class + module, then the parameter id (`pppp`, table below). The `Description`",
    "names the parameter as the seed spells it.",
    "",
    "| Name | Code | Class | HTTP (JSON API) | Description | Source |",
    "| --- | --- | --- | --- | --- | --- |",
    ...families.map(
      ([name, d]) =>
        `| \`${name}\` | \`${d.code}pppp\` | ${categoryOf(`${d.code}0000`)} | ${d.httpStatus} | ${cell(d.message)} | ${cell(d.source)} |`,
    ),
    "",
    "| Parameter | id |",
    "| --- | --- |",
    ...Object.entries(PARAMETER_IDS).map(([key, id]) => `| \`${key}\` | \`${id}\` |`),
  ].join("\n");
}

/** The whole of docs/paygate.md. */
export function renderPaygateDocs(): string {
  const sections = [
    "# Paygate wire protocol",
    "",
    "<!-- Generated by `npx tsx scripts/paygate-docs.ts` from src/paygate/tables.ts and src/paygate/codes.ts. Do not edit by hand. -->",
    "",
    'Kasse speaks the Computop Paygate "classic" interface for Amazon Pay, so a shop written',
    "against Computop's (or 1cs's) documentation can point at Kasse unchanged. Details and sources:",
    "Computop's Amazon Pay integration guide and its Additional Payment Button page; the tables below are",
    "that guide's tables as Kasse holds them in code.",
    "",
    "## Transport",
    "",
    "- Pages (matched case-insensitively): `amazonAPA.aspx` (init, `EventToken=UpdateAuthorizeAmount`,",
    "  `RTF=R`), `capture.aspx`, `credit.aspx`, `reverse.aspx`, `inquire.aspx`, `inquire24.aspx` (by TransID).",
    "  GET query or POST form with",
    "  `MerchantID` (clear), `Len` (plaintext length) and `Data`.",
    "- `Data`: the plaintext `key=value&…` (keys case-insensitive, values raw, split on the first `=`),",
    "  encrypted with the merchant's password — Blowfish-ECB as hex (zero padding; answers end on a block, see below), or AES-CBC as",
    "  `hexIV-hexCipher` (PKCS#7; 16/24/32-byte keys) when AES is enabled for the merchant.",
    "- Request MAC: HMAC-SHA256 with the merchant's HMAC key over `PayID*TransID*MerchantID*Amount*Currency`",
    "  (absent fields empty, separators kept). Answer MAC on browser returns and notifies:",
    "  `PayID*TransID*mid*Status*Code`, upper-case hex.",
    "- Answers: S2S body `Len=…&Data=…`; browser returns carry `Len` and `Data` in the query; URLNotify is a",
    "  POST form with `Len` and `Data`. `Custom=k1=v1|k2=v2` comes back in clear as `&k1=v1&k2=v2`.",
    "",
    "## Format notation (seed 004 §3.1.1)",
    "",
    "| Format | Meaning |",
    "| --- | --- |",
    ...FORMAT_NOTATION.map(([format, meaning]) => `| \`${format}\` | ${meaning} |`),
    "",
    "Lengths count Unicode code points. CND: `M` mandatory, `O` optional, `C` conditional (the condition",
    "is given per row). An empty optional value counts as absent.",
    "",
    "## Parameter tables",
    "",
    PARAMETER_TABLES.map(renderTable).join("\n\n"),
    "",
    "## APB shipping address per market (seed 001 Adressprüfung)",
    "",
    `- EU rules apply for: ${EU_ADDRESS_COUNTRIES.join(", ")}.`,
    `- \`sdState\` must be absent for: ${STATE_NOT_SUPPORTED.join(", ")}.`,
    "- JP and US have their own tables; US ZIP+4 codes carry a hyphen (`98104-3442`).",
    "- Digital goods (`productType` PayOnly) must send no address.",
    "",
    "## Notifications",
    "",
    "| Trigger | Parameters | NotificationType |",
    "| --- | --- | --- |",
    ...NOTIFICATION_TYPES.map(
      (n) =>
        `| ${n.trigger} | \`${n.table.id}\` | ${n.notificationType === undefined ? "—" : `\`${n.notificationType}\``} |`,
    ),
    "",
    renderCodes(),
    "",
    "## Choices where the reference is unconfirmed",
    "",
    "| Point | Kasse's choice |",
    "| --- | --- |",
    ...UNCONFIRMED_CHOICES.map(([point, choice]) => `| ${cell(point)} | ${cell(choice)} |`),
    "",
  ];
  return sections.join("\n");
}
