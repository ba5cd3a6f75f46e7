import { describe, expect, it } from "vitest";
import { readSettings, SettingsError } from "#shared/app/settings.js";

describe("propagation settings (WATCHDOG_PROPAGATION_*)", () => {
  it("unset: the engine's defaults apply (nothing is overridden)", () => {
    expect(readSettings({}).propagation).toEqual({});
  });

  it("seconds with fractions become milliseconds; confirmations a whole number", () => {
    const settings = readSettings({ WATCHDOG_PROPAGATION_SETTLE_SECONDS: "0.25", WATCHDOG_PROPAGATION_SPACING_SECONDS: "2", WATCHDOG_PROPAGATION_CONFIRMATIONS: "4", WATCHDOG_PROPAGATION_READ_LAG_SECONDS: "0.1" });
    expect(settings.propagation).toEqual({ settleMs: 250, spacingMs: 2000, confirmations: 4, readLagMs: 100 });
  });

  it("a bad value names the setting and what was expected, never the value", () => {
    const read = () => readSettings({ WATCHDOG_PROPAGATION_SETTLE_SECONDS: "soon-CANARY", WATCHDOG_PROPAGATION_CONFIRMATIONS: "0" });
    expect(read).toThrow(SettingsError);
    try {
      read();
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toMatch(/WATCHDOG_PROPAGATION_SETTLE_SECONDS: expected a number of seconds/);
      expect(message).toMatch(/WATCHDOG_PROPAGATION_CONFIRMATIONS: expected 1 or more/);
      expect(message).not.toContain("CANARY");
    }
  });
});
