/** Discovery of Azure credentials in CircleCI and proposal of policy bindings (`watchdog discover`). */
export { discover, type DiscoverOptions, type DiscoveryReport } from "./discover.js";
export { proposeBindings, contextTagPrefix, projectTagPrefix, type BindingProposal, type Discovery, type DiscoveryCandidate, type DiscoveryOptions } from "./proposals.js";
export { discoveryYaml } from "./policy-yaml.js";
export { azureSecretVariables, type AzureSecretVariable } from "./azure-variables.js";
