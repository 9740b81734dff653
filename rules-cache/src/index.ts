export * from './build-library';
export * from './bundle';
export * from './limit-parser';
export * from './national';
export * from './published-record';
export * from './read-csv';
export * from './read-published-json';
export * from './rule-catalogue';
