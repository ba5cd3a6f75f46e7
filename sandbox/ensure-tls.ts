// Prints the path of the sandbox CA certificate, creating the CA on first use.
import { defaultTlsDir, ensureSandboxTls } from "./core/ca.js";

process.stdout.write(ensureSandboxTls(process.argv[2] ?? defaultTlsDir()).caPath);
