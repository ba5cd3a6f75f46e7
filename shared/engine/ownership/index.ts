export { AdministratorSignInError, grantOwnership, type GrantOwnershipOptions, type OwnershipLine, type OwnershipOutcome, type OwnershipReport } from "./grant-ownership.js";
