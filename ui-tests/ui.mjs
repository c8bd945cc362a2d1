// Browser test of the omacp web UI (issue #7), driven by playwright-core against Debian's
// headless chromium. Run by ui-tests/run, which starts the server and passes:
//   OMACP_URL, OMACP_TENANT, OMACP_USER, OMACP_PASSWORD, OMACP_SHOTS, OMACP_CHROMIUM,
//   OMACP_PROFILE_DIR (a fresh chromium user-data directory).
import { chromium } from "playwright-core";
import assert from "node:assert/strict";
import path from "node:path";

const env = (k) => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is not set`);
  return v;
};
const base = env("OMACP_URL");
const shots = env("OMACP_SHOTS");
let checks = 0;
const check = (cond, what) => {
  assert.ok(cond, what);
  checks++;
};

const context = await chromium.launchPersistentContext(env("OMACP_PROFILE_DIR"), {
  executablePath: env("OMACP_CHROMIUM"),
  headless: true,
  viewport: { width: 1280, height: 800 },
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});
const page = context.pages()[0] ?? (await context.newPage());
page.setDefaultTimeout(15000);
const errors = [];
page.on("pageerror", (e) => errors.push(String(e)));

async function shot(name) {
  await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
}

// Every visible form control has a label (a <label for>, or aria-label).
async function labelled(where) {
  const missing = await page.evaluate(() =>
    [...document.querySelectorAll("input, select, textarea")]
      .filter((el) => el.type !== "hidden")
      .filter((el) => {
        if (el.getAttribute("aria-label")) return false;
        return !(el.id && document.querySelector(`label[for="${CSS.escape(el.id)}"]`));
      })
      .map((el) => el.name || el.id || el.outerHTML.slice(0, 60)),
  );
  check(missing.length === 0, `${where}: controls without a label: ${missing.join(", ")}`);
}

// Waits for the live campaign page to show "done". On a timeout it says what the page
// showed and what the server says after a reload, so a CI failure tells polling apart from
// delivery.
async function campaignDone(what) {
  try {
    await page.locator("#campaign-state", { hasText: "done" }).waitFor({ timeout: 60000 });
  } catch (e) {
    const live = await page.locator("#live").textContent().catch(() => "(no #live)");
    await page.reload();
    const after = await page.locator("#live").textContent().catch(() => "(no #live)");
    const msgs = await page.locator("#messages").textContent().catch(() => "(no #messages)");
    console.error(`${what}: not done in 60 s.\npage showed: ${live.replace(/\s+/g, " ")}\n` +
      `after reload: ${after.replace(/\s+/g, " ")}\nmessages: ${msgs.replace(/\s+/g, " ")}`);
    throw e;
  }
}

async function signIn(tenant, user, password) {
  await page.goto(`${base}/ui/`);
  check(page.url().endsWith("/ui/sign-in"), "signed-out users land on the sign-in page");
  await labelled("sign-in");
  // Keyboard only: the tenant field has focus; type, Tab, type, Tab, type, Enter.
  await page.keyboard.type(tenant);
  await page.keyboard.press("Tab");
  await page.keyboard.type(user);
  await page.keyboard.press("Tab");
  await page.keyboard.type(password);
  await page.keyboard.press("Enter");
  await page.waitForURL(/\/ui\/profiles$/);
  checks++;
}

// 1. Sign in (a wrong password first).
await page.goto(`${base}/ui/sign-in`);
await page.getByLabel("Tenant").fill(env("OMACP_TENANT"));
await page.getByLabel("User name").fill(env("OMACP_USER"));
await page.getByLabel("Password").fill("not-the-password");
await page.getByRole("button", { name: "Sign in" }).click();
check(await page.locator("#signin-error").isVisible(), "a wrong password is reported");
await shot("01-sign-in");
await signIn(env("OMACP_TENANT"), env("OMACP_USER"), env("OMACP_PASSWORD"));
await shot("02-profiles-empty");

// 2. A profile from the APN form with a validation error, then fixed.
await page.getByRole("link", { name: "Internet APN" }).click();
await labelled("APN form");
await page.getByLabel("Profile name").fill("Web APN");
await page.getByLabel("APN", { exact: false }).first().fill("internet.example.net");
await page.locator("#f-dns").fill("999.1.2.3");
// Live validation (app.js) shows the finding at the field without a submit...
await page.locator("#e-dns").waitFor();
check(await page.locator("#field-dns.invalid").count() === 1, "live diagnostic at the DNS field");
// ...and without JavaScript the save is refused with the same placement.
await page.getByRole("button", { name: "Save profile" }).click();
await page.locator("#e-dns").waitFor();
check((await page.locator("#e-dns").textContent()).includes("Error"), "save refused, error at DNS");
check(await page.locator("#e-apn").count() === 0, "no error at the APN field");
await shot("03-profile-apn-error");
await page.locator("#f-dns").fill("192.0.2.53");
await page.getByRole("button", { name: "Save profile" }).click();
await page.waitForURL(/\/ui\/profiles\/prf_[0-9a-f]+\?saved=1$/);
const profileUrl = page.url().replace(/\?saved=1$/, "");
check(Number(await page.locator("#wbxml-size").textContent()) > 0, "preview shows the WBXML size");
check((await page.locator("table.sms").textContent()).includes("USERPIN"), "SMS count per SEC method");
check((await page.locator("pre.xml").textContent()).includes("internet.example.net"), "XML preview");
await labelled("profile detail");
await shot("04-profile-detail");

// 3. The raw XML editor reports an XML error at the template field.
await page.goto(`${base}/ui/profiles/raw`);
await page.getByLabel("Profile name").fill("Broken");
await page.locator("#f-template").fill("<wap-provisioningdoc><characteristic type=\"NAPDEF\">");
await page.getByRole("button", { name: "Check and preview" }).click();
await page.locator("#e-template").waitFor();
checks++;
await shot("05-profile-raw-error");
await page.goto(`${base}/ui/profiles`);
check((await page.locator("table").textContent()).includes("Web APN"), "the profile is listed");
await shot("06-profiles");

// 4. Subscribers: CSV import with its per-line report.
await page.goto(`${base}/ui/subscribers`);
await page.getByRole("link", { name: "Import CSV" }).click();
await labelled("import");
await page
  .getByLabel("CSV", { exact: true })
  .fill("msisdn,imsi,imei,labels\n+15550001,001010000000001,490154203237518,pilot\nbogus,,,\n15550002,,,pilot;vip\n");
await page.getByRole("button", { name: "Import" }).click();
check((await page.locator("#imported").textContent()) === "2", "two lines imported");
check((await page.locator("#import-errors").textContent()).includes("msisdn"), "line 3 reported");
await shot("07-subscribers-import");
await page.goto(`${base}/ui/subscribers?label=pilot`);
check((await page.locator("#subscribers tbody tr").count()) === 2, "search by label");
await shot("08-subscribers");
await page.getByRole("link", { name: "15550001" }).click();
check((await page.locator("dl.facts").textContent()).includes("001010000000001"), "detail page");
await shot("09-subscriber-detail");

// 5. Device models.
await page.goto(`${base}/ui/devices`);
await labelled("devices");
await page.getByLabel("TAC (8 digits)").fill("49015420");
await page.getByLabel("Maker and model").fill("Example Phone 3");
await page.getByLabel("APPIDs (comma-separated)").fill("w2, w4, 25");
await page.getByRole("button", { name: "Add" }).click();
check((await page.locator("#devices").textContent()).includes("Example Phone 3"), "device model added");
await shot("10-devices");

// 5b. A campaign into the sandbox: create, watch it complete live, see the handset apply it.
await page.goto(`${base}/ui/campaigns`);
await page.getByRole("link", { name: "New campaign" }).click();
await labelled("new campaign");
await page.getByLabel("Campaign name").fill("Pilot wave");
await page.locator("#c-profile").selectOption({ label: "Web APN" });
await page.locator("#c-aud").selectOption("label");
await page.getByLabel("Label", { exact: true }).fill("pilot");
await page.locator("#c-sec").selectOption("netwpin");
await shot("10b-campaign-new");
await page.getByRole("button", { name: "Create and start" }).click();
await page.waitForURL(/\/ui\/campaigns\/cmp_/);
const campaignUrl = page.url().split("?")[0];
// 15550002 has no IMSI, which NETWPIN needs: it is left out.
check((await page.locator("p.note").textContent()).includes("1 subscriber"), "skipped count shown");
// The page refreshes itself (app.js) until the campaign is done.
await campaignDone("Pilot wave");
check((await page.locator("#n-delivered").textContent()) === "1", "the message was delivered");
check((await page.locator(".chart polyline.s-delivered").count()) === 1, "delivery chart drawn");
check((await page.locator("#messages").textContent()).includes("delivered"), "message list");
await shot("10c-campaign-done");
// Drill down to the message: its segments decoded, and a pcap for Wireshark.
await page.locator("#messages a", { hasText: "15550001" }).first().click();
await page.waitForURL(/\/messages\//);
check((await page.locator("#segments tbody tr").count()) >= 2, "segments listed");
check((await page.locator("#push").textContent()).includes("SEC NETWPIN"), "WSP push decoded");
check((await page.locator("#decoded-xml").textContent()).includes("internet.example.net"), "WBXML decoded to XML");
const pcapResp = await page.request.get(await page.locator("#pcap-link").evaluate((a) => a.href));
const pcapBytes = await pcapResp.body();
check(pcapResp.ok() && pcapBytes.readUInt32LE(0) === 0xa1b2c3d4, "pcap download");
(await import("node:fs")).writeFileSync(path.join(shots, "message.pcap"), pcapBytes);
await shot("10c2-message-drilldown");
await page.goto(`${base}/ui/sandbox`);
const hs = page.locator("#h-15550001");
check((await hs.locator("table.applied").textContent()).includes("NETWPIN"), "handset applied it (NETWPIN)");
// A USERPIN campaign: the virtual user is shown a PIN prompt.
await page.goto(`${base}/ui/campaigns/new`);
await page.getByLabel("Campaign name").fill("PIN wave");
await page.locator("#c-aud").selectOption("msisdns");
await page.getByLabel("MSISDNs (one per line)").fill("15550002");
await page.locator("#c-sec").selectOption("userpin");
await page.locator("#c-pinlen").fill("6");
await page.getByRole("button", { name: "Create and start" }).click();
await page.waitForURL(/\/ui\/campaigns\/cmp_/);
await campaignDone("PIN wave");
checks++;
await page.goto(`${base}/ui/sandbox`);
check((await page.locator("#h-15550002 .pin-prompt").count()) > 0, "the PIN prompt is shown");
await shot("10d-sandbox");
await page.goto(`${base}/ui/campaigns`);
await shot("10e-campaigns");

// 6. Audit log with a filter.
await page.goto(`${base}/ui/audit`);
await page.getByLabel("Action contains").fill("profile.create");
await page.getByRole("button", { name: "Filter" }).click();
const actions = await page.locator("#audit tbody td:nth-child(4)").allTextContents();
check(actions.length > 0 && actions.every((a) => a.includes("profile.create")), "audit filter");
await shot("11-audit");

// 7. Users and tenants.
await page.goto(`${base}/ui/admin/users`);
await labelled("users");
await page.getByLabel("User name").fill("viewer1");
await page.getByLabel("Password (10 to 200 characters)").fill("viewer-password-1");
await page.locator("#u-role").selectOption("viewer");
await page.getByRole("button", { name: "Add user" }).click();
check((await page.locator("#users").textContent()).includes("viewer1"), "user added");
await shot("12-users");
await page.goto(`${base}/ui/admin/tenants`);
await labelled("tenants");
await page.getByLabel("Slug (lowercase letters, digits, -)").fill("acme");
await page.getByLabel("Name", { exact: true }).fill("Acme Corp");
await page.getByLabel("APPIDs allowed").fill("25, 143");
await page.getByRole("button", { name: "Add tenant" }).click();
const acmePassword = (await page.locator("#new-admin-password").textContent()).trim();
check(acmePassword.length >= 10, "the new tenant's admin password is shown once");
await shot("13-tenants");

// 8. A narrow screen: no sideways scrolling on a form page.
await page.setViewportSize({ width: 390, height: 844 });
await page.goto(`${base}/ui/profiles/new/email`);
const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
check(overflow <= 1, `narrow screen: page is ${overflow}px wider than the viewport`);
await shot("14-narrow-email-form");
await page.goto(`${base}/ui/subscribers`);
await shot("15-narrow-subscribers");
await page.setViewportSize({ width: 1280, height: 800 });

// 9. Another tenant sees none of it.
await page.getByRole("button", { name: "Sign out" }).click();
await page.waitForURL(/\/ui\/sign-in$/);
await signIn("acme", "admin", acmePassword);
check(!(await page.content()).includes("Web APN"), "acme sees no operator profile");
await page.goto(`${base}/ui/subscribers`);
check(await page.locator("#no-subscribers").isVisible(), "acme sees no operator subscriber");
await page.goto(`${base}/ui/devices`);
check(!(await page.content()).includes("Example Phone 3"), "acme sees no operator device model");
const resp = await page.goto(profileUrl);
check(resp.status() === 404, `operator profile is 404 for acme (got ${resp.status()})`);
await shot("16-other-tenant-404");
const cResp = await page.goto(campaignUrl);
check(cResp.status() === 404, "operator campaign is 404 for acme");
await page.goto(`${base}/ui/sandbox`);
check(!(await page.content()).includes("15550001"), "acme sees no operator handset");
const tenantsResp = await page.goto(`${base}/ui/admin/tenants`);
check(tenantsResp.status() === 403, "enterprise admins cannot administer tenants");

check(errors.length === 0, `no script errors: ${errors.join("; ")}`);
await context.close();
console.log(`ui-tests: ${checks} checks passed; screenshots in ${shots}`);
