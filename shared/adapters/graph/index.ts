export { createGraphDirectory, GraphDirectory } from "./graph-directory.js";
export { GraphError, type GraphErrorDetails } from "./graph-error.js";
export { graphDirectorySettingsSchema, type GraphDirectorySettings } from "./settings.js";
