// @rocket.chat/rest-typings (and core-typings) ship ES modules written for a bundler: their imports
// name directories and leave out `.js`, which Node's ES module loader refuses. This loader hook
// retries such an import with `.js`, then `/index.js`: how the bundler Rocket.Chat builds with resolves them.
export async function resolve (specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (error) {
    if (error.code !== 'ERR_UNSUPPORTED_DIR_IMPORT' && error.code !== 'ERR_MODULE_NOT_FOUND') throw error;
    for (const suffix of ['.js', '/index.js']) {
      try {
        return await next(specifier + suffix, context);
      } catch { /* the next suffix */ }
    }
    throw error;
  }
}
