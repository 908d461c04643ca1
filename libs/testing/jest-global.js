// Jest runs global setup/teardown outside its module system, so its moduleNameMapper does not
// apply there: resolve the workspace path aliases of tsconfig.base.json here instead.
const Module = require('node:module');
const path = require('node:path');

const root = path.resolve(__dirname, '../..');
const aliases = require(path.join(root, 'tsconfig.base.json')).compilerOptions.paths;
const resolve = Module._resolveFilename;
Module._resolveFilename = function resolveAlias(request, ...rest) {
  const target = aliases[request];
  return resolve.call(this, target ? path.join(root, target[0]) : request, ...rest);
};

module.exports = {
  setup: () => require('./src/global-setup.ts').default(),
  teardown: () => require('./src/global-teardown.ts').default(),
};
