// The follower: one Python process per host, started in the background of the control shell, that
// sleeps in the kernel (inotify) until a watched file changes and then writes only the new bytes, framed
// (follow-stream.ts reads them), to the control shell's stderr — the one stream of the channel no script
// uses. Python 3.5+ and its standard library only (every training host has it); inotify through ctypes;
// without inotify it stats the files twice a second. It decides nothing: it reports what it read, at
// which offset of which inode, and the engine's tracked files stay the judges (exact offsets, overlap,
// truncation, replacement). It leaves no process behind: it exits when its shell is gone or its stream
// is closed, and checks that every HEARTBEAT seconds, when it also says it is alive. At the same
// sweep it checks the workers' processes (pid files; command-line patterns, each found once by a scan of
// /proc and then followed by its pid and start time), so that while it runs the probe need not start
// `ps` every tick; it says only what changed.
//
// Frames (a header line of space-separated fields, then, for d/e/x, exactly `len` bytes):
//   @VF <nonce> <inotify|poll>     start, after any noise
//   i <id> <inode> <from> <mtime>  now following this inode, from byte `from`
//   d <id> <offset> <len> [mtime]  bytes of the current inode at offset (mtime: when it changed)
//   a <id> <len> [±seconds]        bytes right after the last i/d/a/t of this inode (its offset, or 0 after
//                                  t), the mtime moved by the given seconds since the last one sent
//   t <id> <size> <mtime> <T|W>    the file (same inode) starts over at 0: truncated, or rewritten
//   s <id> <size> <mtime>          touched: a new mtime, no new bytes
//   z <id> <bytes on disk | -1>    the file is sparse (64 MiB or more, under 1/8 of it on disk), or no longer
//   c <id> <size> <mtime>          a file read whole changed (its bytes are read over SFTP)
//   m <id> | n <id> <type letter>  missing | not a regular file (never opened)
//   e <id> <len> | x <len>         an error on one file | the follower's last words
//   p <id> <len>                   pid file `id` now says this (the probe's P answer: run N, dead N, none…)
//   q <id> <0|1|2>                 pattern `id` is running | not running | cannot be looked for
//   h                              heartbeat

/** The environment variables the launch script and the follower read. */
export const FOLLOW_ENV = {
  source: 'VIGIL_FOLLOWER_PY',
  files: 'VIGIL_FOLLOW_FILES',
  heartbeat: 'VIGIL_FOLLOW_HEARTBEAT_S',
  pidFiles: 'VIGIL_FOLLOW_PIDS',
  patterns: 'VIGIL_FOLLOW_PATTERNS',
} as const;

/** Bytes kept behind each file's offset, compared before new bytes are sent (an in-place rewrite). */
export const FOLLOW_OVERLAP = 64;

export const FOLLOWER_PY = String.raw`
import os, sys, stat, select, time, errno, struct
NONCE = os.environ['VIGIL_NONCE']
SHELL = int(os.environ.get('VIGIL_SHELL_PID') or 0)
HEART = float(os.environ.get('VIGIL_FOLLOW_HEARTBEAT_S') or 10)
CHUNK = 262144
OVERLAP = 64
SPARSE_MIN = 64 << 20  # as sparseNote in files/metrics-source.ts
RESCAN = 10
MASK = 0x2 | 0x4 | 0x8 | 0x40 | 0x80 | 0x100 | 0x200 | 0x400 | 0x800
SELF_GONE = 0x400 | 0x800 | 0x4000 | 0x8000
buf = []
held = [0]
sent = [time.time()]

def flush():
    if not buf:
        return
    data = memoryview(b''.join(buf))
    del buf[:]
    held[0] = 0
    while len(data):
        n = os.write(1, data)
        data = data[n:]
    sent[0] = time.time()

def put(b):
    buf.append(b)
    held[0] += len(b)
    if held[0] >= CHUNK:
        flush()

def head(*parts):
    put((' '.join(str(p) for p in parts) + '\n').encode())

def letter(mode):
    for test, c in ((stat.S_ISFIFO, 'p'), (stat.S_ISDIR, 'd'), (stat.S_ISSOCK, 's'), (stat.S_ISCHR, 'c'), (stat.S_ISBLK, 'b')):
        if test(mode):
            return c
    return 'o'

class F(object):
    def __init__(self, line):
        fid, mode, ino, off, tail, path = line.split(' ')
        self.id = int(fid)
        self.mode = mode
        self.ino0 = None if ino == '-' else int(ino)
        self.off0 = int(off)
        self.tail0 = b'' if tail == '-' else bytes.fromhex(tail)
        self.path = bytes.fromhex(path)
        self.fd = None
        self.ino = None
        self.off = 0
        self.tail = b''
        self.state = None
        self.key = None
        self.mtns = None
        self.alloc = -1
        self.dmt = None
        self.at = None
        self.names = set()

    def close(self):
        if self.fd is not None:
            os.close(self.fd)
            # The same inode seen again (moved away and back) continues where it was.
            self.ino0, self.off0, self.tail0 = self.ino, self.off, self.tail
        self.fd = None
        self.ino = None
        self.at = None

    def note(self, state, *frame):
        if self.state != state:
            self.state = state
            head(*frame)

    def oserror(self, e):
        self.close()
        if e.errno in (errno.ENOENT, errno.ENOTDIR):
            self.note('m', 'm', self.id)
        else:
            msg = (e.strerror or str(e)).encode('utf-8', 'replace')
            if self.state != b'e' + msg:
                self.state = b'e' + msg
                head('e', self.id, len(msg))
                put(msg)

    def check(self):
        try:
            st = os.stat(self.path)
        except OSError as e:
            return self.oserror(e)
        if not stat.S_ISREG(st.st_mode):
            self.close()
            c = letter(st.st_mode)
            return self.note('n' + c, 'n', self.id, c)
        # An open file stays readable after a chmod: say what a reader opening it now would meet.
        if not os.access(self.path, os.R_OK):
            return self.oserror(OSError(errno.EACCES, os.strerror(errno.EACCES)))
        if self.fd is None or st.st_ino != self.ino:
            if self.fd is not None and self.mode == 'a':
                self.send()
            self.close()
            try:
                fd = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK)
            except OSError as e:
                return self.oserror(e)
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                os.close(fd)
                c = letter(st.st_mode)
                return self.note('n' + c, 'n', self.id, c)
            self.fd = fd
            self.ino = st.st_ino
            self.alloc = -1
            self.dmt = None
            if st.st_ino == self.ino0:
                self.off, self.tail = self.off0, self.tail0
            else:
                self.off, self.tail = 0, b''
            self.key = None
            self.mtns = st.st_mtime_ns
            self.state = 'ok'
            head('i', self.id, self.ino, self.off, int(st.st_mtime))
            self.at = self.off
        if self.mode == 'w':
            st = os.fstat(self.fd)
            key = (st.st_size, st.st_mtime_ns)
            if key != self.key:
                self.key = key
                head('c', self.id, st.st_size, int(st.st_mtime))
            return
        self.send()

    def send(self):
        st = os.fstat(self.fd)
        size = st.st_size
        mt = int(st.st_mtime)
        if size < self.off:
            head('t', self.id, size, mt, 'T')
            self.off, self.tail, self.alloc, self.at = 0, b'', -1, 0
        elif size == self.off and st.st_mtime_ns != self.mtns:
            if self.tail and os.pread(self.fd, len(self.tail), self.off - len(self.tail)) != self.tail:
                head('t', self.id, size, mt, 'W')
                self.off, self.tail, self.at = 0, b'', 0
            else:
                head('s', self.id, size, mt)
        self.mtns = st.st_mtime_ns
        alloc = st.st_blocks * 512
        alloc = alloc if size >= SPARSE_MIN and alloc < size // 8 else -1
        if alloc != self.alloc:
            self.alloc = alloc
            head('z', self.id, alloc)
        while self.off < size:
            t = len(self.tail)
            got = os.pread(self.fd, t + min(size - self.off, CHUNK), self.off - t)
            if got[:t] != self.tail:
                head('t', self.id, size, mt, 'W')
                self.off, self.tail, self.at = 0, b'', 0
                continue
            data = got[t:]
            if not data:
                break
            # Where the reader already holds this file's offset and mtime: the short form, 'a id len
            # [mtime change]' (~10 bytes a frame instead of ~27).
            if self.at == self.off and self.dmt is not None:
                if mt != self.dmt:
                    head('a', self.id, len(data), '%+d' % (mt - self.dmt))
                else:
                    head('a', self.id, len(data))
            elif mt != self.dmt:
                head('d', self.id, self.off, len(data), mt)
            else:
                head('d', self.id, self.off, len(data))
            self.dmt = mt
            put(data)
            self.off += len(data)
            self.at = self.off
            self.tail = (self.tail + data)[-OVERLAP:]

def pid_answer(path):
    # As the probe's pid-file check: a regular readable file, its first word all digits, /proc/PID there.
    try:
        st = os.stat(path)
    except OSError as e:
        return b'none' if e.errno in (errno.ENOENT, errno.ENOTDIR) else b'u'
    if not stat.S_ISREG(st.st_mode):
        return letter(st.st_mode).encode()
    if not os.access(path, os.R_OK):
        return b'u'
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        try:
            first = os.read(fd, 4096)
        finally:
            os.close(fd)
    except OSError as e:
        return b'none' if e.errno == errno.ENOENT else b'u'
    words = first.split(b'\n', 1)[0].split()
    word = words[0] if words else b''
    if not word or len(word) > 12 or not word.isdigit():
        return b'bad ' + word[:200]
    return (b'run ' if os.path.isdir(b'/proc/' + word) else b'dead ') + word

def started(pid):
    with open('/proc/%d/stat' % pid, 'rb') as f:
        s = f.read()
    return s[s.rindex(b')') + 2:].split()[19]

class Seek(object):
    # A command-line pattern: found by a scan of /proc, then checked by its pid and start time alone.
    def __init__(self, text):
        self.text = text
        self.pid = None
        self.start = None

    def holds(self):
        if self.pid is None:
            return False
        try:
            if started(self.pid) == self.start:
                return True
        except (OSError, IndexError):
            pass
        self.pid = None
        return False

def scan(seeks):
    me = os.getpid()
    try:
        names = os.listdir('/proc')
    except OSError:
        return False
    for name in names:
        if not name.isdigit() or int(name) == me:
            continue
        try:
            with open('/proc/' + name + '/cmdline', 'rb') as f:
                cmd = f.read().rstrip(b'\0').replace(b'\0', b' ')
        except OSError:
            continue
        for k in seeks:
            if k.pid is None and k.text in cmd:
                try:
                    k.start = started(int(name))
                    k.pid = int(name)
                except (OSError, IndexError):
                    pass
    return True

class Lives(object):
    def __init__(self, pids, patterns):
        self.pids = pids
        self.seeks = [Seek(t) for t in patterns]
        self.said = {}
        self.scanned = float('-inf')

    def say(self, key, *frame):
        if self.said.get(key) != frame:
            self.said[key] = frame
            if frame[0] == 'p':
                head('p', frame[1], len(frame[2]))
                put(frame[2])
            else:
                head(*frame)

    def check(self):
        for i, path in enumerate(self.pids):
            self.say(('p', i), 'p', i, pid_answer(path))
        held = [k.pid is not None for k in self.seeks]
        lost = [k for k in self.seeks if not k.holds()]
        gone = any(h and k.pid is None for h, k in zip(held, self.seeks))
        # A process just gone is looked for again at once (another may match); a pattern not running is
        # looked for every RESCAN seconds: reading every command line costs ~15 us a process.
        now = time.time()
        if not lost or (not gone and now - self.scanned < RESCAN):
            return
        self.scanned = now
        ok = scan(lost)
        for i, k in enumerate(self.seeks):
            self.say(('q', i), 'q', i, 0 if k.pid is not None else (1 if ok else 2))

class Watch(object):
    def __init__(self, files):
        self.files = files
        self.fd = None
        self.wds = {}
        self.missing = True
        try:
            import ctypes
            self.libc = ctypes.CDLL(None, use_errno=True)
            self.cstr = ctypes.c_char_p
            fd = self.libc.inotify_init1(os.O_NONBLOCK | getattr(os, 'O_CLOEXEC', 0o2000000))
            if fd >= 0:
                self.fd = fd
        except Exception:
            self.fd = None
        self.rewatch()

    def dirs(self, f):
        out = [os.path.dirname(f.path) or b'/']
        try:
            real = os.path.dirname(os.path.realpath(f.path))
            if real not in out:
                out.append(real)
        except Exception:
            pass
        return out

    def rewatch(self):
        if self.fd is None:
            return
        self.missing = False
        watched = set(d for d, fs in self.wds.values())
        for f in self.files:
            for d in self.dirs(f):
                if d in watched:
                    continue
                wd = self.libc.inotify_add_watch(self.fd, self.cstr(d), MASK)
                if wd < 0:
                    self.missing = True
                    continue
                watched.add(d)
                self.wds[wd] = (d, None)
        for wd, (d, _) in list(self.wds.items()):
            self.wds[wd] = (d, [f for f in self.files if d in self.dirs(f)])
        # The names an event in a watched folder may carry for each file (its own, its link's target's).
        for f in self.files:
            f.names = set(os.path.basename(d) for d in (f.path, os.path.realpath(f.path)))

    def wait(self, timeout):
        if self.fd is None or self.missing:
            timeout = min(timeout, 0.5)
        if self.fd is None:
            time.sleep(timeout)
            return self.files
        if not select.select([self.fd], [], [], timeout)[0]:
            return self.files if self.missing else []
        try:
            data = os.read(self.fd, 65536)
        except OSError:
            return self.files
        hit = []
        pos = 0
        again = False
        while pos + 16 <= len(data):
            wd, mask, cookie, n = struct.unpack_from('iIII', data, pos)
            name = data[pos + 16:pos + 16 + n].rstrip(b'\0')
            pos += 16 + n
            if mask & SELF_GONE:
                again = True
                self.wds.pop(wd, None)
                continue
            for f in (self.wds.get(wd) or (None, []))[1] or []:
                if f not in hit and name in f.names:
                    hit.append(f)
        if again:
            self.rewatch()
            return self.files
        if self.missing:
            return self.files
        return hit

def main():
    files = [F(l) for l in os.environ['VIGIL_FOLLOW_FILES'].split('\n') if l]
    hexes = lambda k: [bytes.fromhex(l) for l in os.environ.get(k, '').split('\n') if l]
    lives = Lives(hexes('VIGIL_FOLLOW_PIDS'), hexes('VIGIL_FOLLOW_PATTERNS'))
    w = Watch(files)
    put(('\n@VF %s %s\n' % (NONCE, 'poll' if w.fd is None else 'inotify')).encode())
    for f in files:
        f.check()
    lives.check()
    flush()
    swept = time.time()
    while True:
        # Woken by other files of a watched folder, it still keeps the heartbeat's cadence: the engine
        # takes more than a heartbeat and a half of quiet to mean "probe everything again".
        now = time.time()
        for f in w.wait(max(0.05, min(HEART - (now - sent[0]), HEART - (now - swept)))):
            f.check()
        now = time.time()
        if now - swept >= HEART:
            swept = now
            if SHELL:
                try:
                    os.kill(SHELL, 0)
                except OSError as e:
                    if e.errno == errno.ESRCH:
                        return
            if w.missing:
                w.rewatch()
            for f in files:
                f.check()
            lives.check()
        if not buf and now - sent[0] >= HEART:
            head('h')
        flush()

try:
    main()
except (BrokenPipeError, KeyboardInterrupt):
    pass
except Exception as e:
    try:
        msg = ('%s: %s' % (type(e).__name__, e)).encode('utf-8', 'replace')[:2000]
        del buf[:]
        head('x', len(msg))
        put(msg)
        flush()
    except Exception:
        pass
    sys.exit(1)
`;

export interface FollowFileSpec {
  /** The file's absolute remote path. */
  path: string;
  /** 'a': appended to, its bytes streamed; 'w': rewritten whole, only its changes told. */
  mode: 'a' | 'w';
  /** Where the engine's mirror stands: the inode it holds, its length and its last bytes. */
  inode: number | null;
  offset: number;
  tail: Uint8Array;
}

/** What the follower checks of the workers' processes: pid files (absolute) and command-line patterns. */
export interface FollowLivenessSpec {
  pidFiles: string[];
  patterns: string[];
}

/** A list of texts for the follower's environment, a line each in hex (any byte survives). */
export function followListEnv(items: string[]): string {
  return items.map((t) => Buffer.from(t, 'utf8').toString('hex')).join('\n');
}

/** The follower's file list, a line per file (paths in hex: any byte a name may hold survives). */
export function followFilesEnv(files: FollowFileSpec[]): string {
  return files
    .map((f, id) => {
      const tail = f.tail.length > 0 ? Buffer.from(f.tail).toString('hex') : '-';
      const path = Buffer.from(f.path, 'utf8').toString('hex');
      return `${id} ${f.mode} ${f.inode ?? '-'} ${f.offset} ${tail} ${path}`;
    })
    .join('\n');
}

/**
 * Starts the follower in the background and says how it went, on one line: `started PID`, or why not
 * (`no python3`, `no /proc`). The follower writes to fd 3, which the control shell points at its own
 * stderr for this script; it is told the control shell's pid ($$ in a subshell) so it ends with it.
 */
export const FOLLOW_LAUNCH = [
  "[ -d /proc/self ] || { echo 'unsupported: no /proc (not Linux)'; exit 0; }",
  'for p in /usr/bin/python3 /usr/local/bin/python3 python3; do',
  '  if command -v "$p" >/dev/null 2>&1; then',
  `    VIGIL_SHELL_PID=$$ "$p" -c "$${FOLLOW_ENV.source}" </dev/null >&3 2>&3 3>&- &`,
  '    echo "started $!"; exit 0',
  '  fi',
  'done',
  "echo 'unsupported: python3 not found on the host'",
].join('\n');
