// Copies the non-TypeScript files the build needs (SQL migrations, buyer-page assets) into dist/.
import { cpSync, existsSync } from "node:fs";

for (const dir of [
  "store/migrations",
  "emulator/store/migrations",
  "emulator/buyer/assets",
  "web/assets",
  "paygate/assets",
]) {
  if (existsSync(`src/${dir}`)) cpSync(`src/${dir}`, `dist/${dir}`, { recursive: true });
}
