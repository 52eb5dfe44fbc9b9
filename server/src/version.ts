// Kept in step with package.json by the build (esbuild inlines the JSON import).
import packageJson from '../../package.json';

export const VERSION: string = packageJson.version;
