export function gitCommit(dir: string): { hash: string; day: string } | undefined;
export function buildIdentity(version: string, dir: string, env?: NodeJS.ProcessEnv): string;
