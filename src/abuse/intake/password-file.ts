import { readFile, stat } from 'node:fs/promises';

// Passwords live in a file of their own, never in the config: the config can then be shown, diffed and backed
// up, and the file can be written by a secret manager (systemd credentials, a Kubernetes or Docker secret).

/**
 * The password in `path`: the first line, without its line ending (a trailing newline is what every editor and
 * `echo` leave). Throws with a message for the operator when the file is missing or empty. A file other users
 * may read is only warned about through `onLoose`: Docker and Kubernetes mount secrets world-readable by default,
 * inside a container where no other user is.
 */
export async function readPasswordFile(path: string, onLoose?: (message: string) => void): Promise<string> {
  let text: string;
  try {
    const info = await stat(path);
    if ((info.mode & 0o077) !== 0 && onLoose) {
      const mode = (info.mode & 0o777).toString(8).padStart(3, '0');
      onLoose(`password file ${path} is readable by other users (mode ${mode}): chmod 600 it`);
    }
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new Error(`password file ${path} does not exist`, { cause: error });
    throw error;
  }
  const password = text.split(/\r?\n/, 1)[0] ?? '';
  if (password === '') throw new Error(`password file ${path} is empty: the password goes on its first line`);
  return password;
}
