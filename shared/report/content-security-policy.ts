import { createHash } from "node:crypto";
import { reportStylesheet } from "./styles.js";

/** CSP source expression of the page's one stylesheet: styles are allowed by hash, never 'unsafe-inline'. */
export const reportStyleHash = `'sha256-${createHash("sha256").update(reportStylesheet, "utf8").digest("base64")}'`;

/**
 * The page needs nothing from anywhere: no script at all, its one stylesheet by hash, images only as data:
 * URLs (the favicon), no forms, no base URL. A name that slipped through escaping could still run nothing.
 */
export const reportPagePolicy = `default-src 'none'; style-src ${reportStyleHash}; img-src data:; base-uri 'none'; form-action 'none'`;

/** The HTTP header adds what a <meta> policy cannot carry (browsers ignore frame-ancestors there and say so). */
export const reportHeaderPolicy = `${reportPagePolicy}; frame-ancestors 'none'`;
