/**
 * The page's only stylesheet. It is allowed by its hash (content-security-policy.ts), so the page carries
 * no `style` attributes: a style attribute would be blocked and reported by the browser.
 * Colours are picked for at least 4.5:1 contrast of text on its background (WCAG AA).
 */
export const reportStylesheet = `
:root{color-scheme:light;--ink:#1f2937;--muted:#4b5563;--line:#d1d5db;--panel:#fff;--page:#f3f4f6;--head:#0f2942;
--red:#b42318;--red-bg:#fee4e2;--amber:#8a4b00;--amber-bg:#fef0c7;--green:#05603a;--green-bg:#d1fadf;
--violet:#5b21b6;--violet-bg:#ede9fe;--grey:#374151;--grey-bg:#e5e7eb;--blue:#1d4ed8;--blue-bg:#dbeafe}
*{box-sizing:border-box}
body{margin:0;background:var(--page);color:var(--ink);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
header.top{background:var(--head);color:#fff;padding:20px 32px}
header.top h1{margin:0;font-size:22px;font-weight:650;display:flex;align-items:center;gap:10px}
header.top p{margin:4px 0 0;color:#d6e4f0}
.shield{width:26px;height:26px}
main{max-width:1240px;margin:0 auto;padding:20px 32px 40px}
section{background:var(--panel);border:1px solid var(--line);border-radius:8px;padding:16px 20px;margin:0 0 20px}
h2{font-size:17px;margin:0 0 12px}
.warn{background:var(--red-bg);border-color:var(--red);color:#7a271a}
.warn h2{color:#7a271a}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(128px,1fr));gap:10px;margin:0}
.card{border:1px solid var(--line);border-left-width:5px;border-radius:6px;padding:10px 12px;background:#fff}
.card dt{font-size:13px;color:var(--muted);font-weight:600}
.card dd{margin:2px 0 0;font-size:26px;font-weight:650}
.card dd small{display:block;font-size:12px;font-weight:400;color:var(--muted)}
.card.c-expired{border-left-color:var(--red)}.card.c-expiring{border-left-color:#b54708}
.card.c-long{border-left-color:var(--violet)}.card.c-missing{border-left-color:var(--grey)}
.card.c-total{border-left-color:var(--head)}.card.c-work{border-left-color:var(--blue)}
.thresholds{display:flex;flex-wrap:wrap;gap:6px;margin:12px 0 0;padding:0;list-style:none}
.thresholds li{background:var(--amber-bg);color:var(--amber);border-radius:999px;padding:2px 10px;font-size:13px}
.thresholds li b{font-weight:700}
figure{margin:0}
.chart{width:100%;height:auto;display:block}
.chart .grid{stroke:#e5e7eb}.chart .axis{stroke:#6b7280}
.chart .threshold{stroke:#b54708;stroke-dasharray:4 4}
.chart .threshold-label{fill:#8a4b00;font-size:11px}
.chart text{fill:#374151;font-size:12px;font-family:inherit}
.chart .band{fill:#fee4e2}.chart .band-label{fill:#7a271a;font-weight:700}
.chart .m-expired{stroke:#b42318;stroke-width:3}
.chart .m-urgent{fill:#b42318}.chart .m-soon{fill:#b54708}.chart .m-later{fill:#1d4ed8}
.chart .mark{stroke:#fff;stroke-width:1}
.chart .later-note{fill:#374151}
figcaption{color:var(--muted);font-size:13px;margin-top:8px}
.legend{display:flex;flex-wrap:wrap;gap:16px;margin:8px 0 0;padding:0;list-style:none;font-size:13px;color:var(--ink)}
.legend svg{display:inline-block;width:14px;height:14px;vertical-align:-2px;margin-right:5px}
.visually-hidden{position:absolute!important;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;border:0}
.table-wrap{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:13px}
caption{text-align:left;color:var(--muted);padding:0 0 8px}
th,td{text-align:left;vertical-align:top;padding:6px 8px;border-bottom:1px solid #e5e7eb}
thead th{position:sticky;top:0;background:#f9fafb;border-bottom:2px solid var(--line);font-size:12px;text-transform:uppercase;letter-spacing:.03em;color:#374151}
tbody th{font-weight:600;overflow-wrap:break-word}
tbody tr:nth-child(even){background:#fafafa}
tfoot td{color:var(--muted);border-bottom:0;padding-top:10px}
.id{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px;overflow-wrap:anywhere}
.src{display:grid;grid-template-columns:70px 1fr;gap:0 6px;overflow-wrap:anywhere}
.src b{color:var(--muted);font-weight:600;font-size:12px}
table.credentials{table-layout:fixed;min-width:900px}
.w-name{width:16%}.w-source{width:21%}.w-exposure{width:9%}.w-drift{width:8%}.w-status{width:9%}.w-days{width:8%}.w-date{width:8%}.w-action{width:21%}
.tag{display:inline-block;font-size:11px;font-weight:600;border-radius:4px;padding:0 5px;margin-left:4px;background:var(--grey-bg);color:var(--grey)}
.badge{display:inline-block;white-space:nowrap;border-radius:999px;padding:1px 9px;font-weight:600;font-size:12px}
.s-expired{background:var(--red-bg);color:var(--red)}.s-expiring{background:var(--amber-bg);color:var(--amber)}
.s-ok{background:var(--green-bg);color:var(--green)}.s-long-lived{background:var(--violet-bg);color:var(--violet)}
.s-not-found{background:var(--grey-bg);color:var(--grey)}.s-retiring{background:var(--blue-bg);color:var(--blue)}
.s-work{background:var(--blue-bg);color:var(--blue);white-space:normal;margin-top:3px}
.badge::before{margin-right:4px}
.s-expired::before{content:"✖" / ""}.s-expiring::before{content:"▲" / ""}.s-ok::before{content:"✔" / ""}
.s-long-lived::before{content:"◆" / ""}.s-not-found::before{content:"?" / ""}.s-retiring::before{content:"↻" / ""}
.num{white-space:nowrap}
.action code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#f3f4f6;border-radius:4px;padding:0 4px;font-size:12px}
.muted{color:var(--muted)}
.e-open{color:var(--red);font-weight:600}.e-weak,.e-unknown{color:var(--amber);font-weight:600}
.card.c-exposed{border-left-color:var(--red)}
.card.c-drifted{border-left-color:var(--red)}
footer{color:var(--muted);font-size:12px;text-align:center;padding:0 0 24px}
`;
