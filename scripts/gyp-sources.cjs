// Lists the .cpp files of the given folders for binding.gyp, so adding a source file never
// needs an edit to the build description (CMakeLists.txt globs the same folders).
const fs = require('node:fs');
const path = require('node:path');
const out = [];
for (const dir of process.argv.slice(2)) {
  for (const f of fs.readdirSync(dir).sort()) if (f.endsWith('.cpp')) out.push(path.posix.join(dir, f));
}
process.stdout.write(out.join(' '));
