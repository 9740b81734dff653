export * from './faults';
export * from './platform-server';
export * from './uploads';
