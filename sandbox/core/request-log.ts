export interface LoggedRequest {
  emulator: string;
  route: string;
  method: string;
  path: string;
  query: string;
  status: number;
  faulted: boolean;
}

/** Every request an emulator answered, in order. Bodies are not kept: they may carry secret values. */
export class RequestLog {
  readonly entries: LoggedRequest[] = [];

  record(entry: LoggedRequest): void {
    this.entries.push(entry);
  }

  clear(): void {
    this.entries.length = 0;
  }

  /** Requests that could change state: anything but GET/HEAD, token requests excluded by the caller. */
  writes(): LoggedRequest[] {
    return this.entries.filter((e) => e.method !== "GET" && e.method !== "HEAD");
  }

  count(predicate: (e: LoggedRequest) => boolean = () => true): number {
    return this.entries.filter(predicate).length;
  }
}
