// node --import ./register.mjs ...: installs resolve-hooks.mjs before the package is imported.
import { register } from 'node:module';

register('./resolve-hooks.mjs', import.meta.url);
