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
//   @VF <nonce> <inotify|poll> <pipe|->  start, after any noise; the request pipe's path in hex
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
//   v <seq> <len>                  the answer to vitals request `seq`: what the vitals script would print
//   h                              heartbeat
//
// Vitals requests come the other way, through a named pipe in a private folder (named in the start
// mark) that the control shell writes a line to with a builtin, so a vitals tick starts no process on the
// host but the GPU query (see the Vitals and Requests classes, and remote/follower-vitals.ts).

import { GPU_APPS_QUERY, GPU_QUERY } from './vitals-script';

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
import os, sys, stat, select, time, errno, struct, signal, json, re, binascii
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

    def restart(self, size, mt, why):
        # The reader forgets what it knew of the file at a restart, its bytes on disk included: said again.
        head('t', self.id, size, mt, why)
        self.off, self.tail, self.alloc, self.at = 0, b'', -1, 0

    def sparse(self, st):
        alloc = st.st_blocks * 512
        alloc = alloc if st.st_size >= SPARSE_MIN and alloc < st.st_size // 8 else -1
        if alloc != self.alloc:
            self.alloc = alloc
            head('z', self.id, alloc)

    def send(self):
        st = os.fstat(self.fd)
        size = st.st_size
        mt = int(st.st_mtime)
        if size < self.off:
            self.restart(size, mt, 'T')
        elif size == self.off and st.st_mtime_ns != self.mtns:
            if self.tail and os.pread(self.fd, len(self.tail), self.off - len(self.tail)) != self.tail:
                self.restart(size, mt, 'W')
            else:
                head('s', self.id, size, mt)
        self.mtns = st.st_mtime_ns
        self.sparse(st)
        while self.off < size:
            t = len(self.tail)
            got = os.pread(self.fd, t + min(size - self.off, CHUNK), self.off - t)
            if got[:t] != self.tail:
                self.restart(size, mt, 'W')
                self.sparse(st)
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
            # A long backlog (a 2 GB file) takes minutes: vitals asked meanwhile are answered between chunks.
            if REQ[0] is not None:
                REQ[0].poll()

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

    def wait(self, timeout, req):
        if self.fd is None or self.missing:
            timeout = min(timeout, 0.5)
        fds = [fd for fd in (self.fd, req.fd) if fd is not None]
        ready = select.select(fds, [], [], timeout)[0] if fds else time.sleep(timeout) or []
        if req.fd is not None and req.fd in ready:
            req.serve()
        if self.fd is None:
            return self.files
        if self.fd not in ready:
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

MAX_TREE = 256
MAX_MATCHES = 64
MAX_GPU_LINES = 64
PRESSURE = re.compile(br'^(some|full) avg10=[0-9.]+')
SPACES = re.compile(br'  +')
GPU_ARGS = (b'--query-gpu=${GPU_QUERY}', b'--query-compute-apps=${GPU_APPS_QUERY}')

def rec(out, tag, i, payload):
    out.append(b'%s %d %d:%s\n' % (tag, i, len(payload), payload))

def lines_of(path):
    try:
        with open(path, 'rb') as f:
            return f.read(1 << 20).split(b'\n')
    except (OSError, IOError):
        return []

class Vitals(object):
    # The vitals script's work (remote/vitals-script.ts), done here: the same answer, byte for byte in its
    # format, so that one reader (vitals-parse.ts) reads both. What a tick asks comes as a line of words
    # (its number, then z s d c g0 g1 kI=PIDS); what stays the same (roots, folders) on a line starting
    # with '=' whenever it changes.
    def __init__(self):
        self.shape = None
        self.job = None
        self.killed = []

    def take(self, line):
        if line.startswith(b'='):
            self.shape = json.loads(line[1:].decode('utf-8'))
            return
        words = line.split()
        if not words or not words[0].isdigit():
            return
        try:
            if self.shape is None:
                raise ValueError('no request shape was sent')
            payload = self.answer(words[1:])
        except Exception as e:
            payload = ('the follower could not read the vitals: %s: %s' % (type(e).__name__, e)).encode('utf-8', 'replace')[:2000]
        head('v', int(words[0]), len(payload))
        put(payload)

    def answer(self, words):
        shape = self.shape
        n = NONCE.encode()
        R = os.fsencode(shape['proc'])
        Y = os.fsencode(shape['sys'])
        flags = set(w for w in words if b'=' not in w)
        known = dict((int(w[1:w.index(b'=')]), w[w.index(b'=') + 1:].split(b',')) for w in words if w.startswith(b'k') and b'=' in w)
        out = []
        rec(out, b'B', 0, n)
        if not os.access(R + b'/meminfo', os.R_OK):
            rec(out, b'X', 0, b'noproc')
            rec(out, b'E', 0, n)
            return b''.join(out)
        if b'z' in flags:
            rec(out, b'Z', 0, str(self.page_size(R)).encode())
        every = []
        nochildren = [False]
        roots = shape['roots']
        matches = self.scan(R, [r[1].encode('utf-8') for r in roots if r[0] == 'm']) if b's' in flags else None
        for i, root in enumerate(roots):
            if root[0] == 'f':
                self.pid_file(out, i, os.fsencode(root[1]), R, every, nochildren)
            elif root[0] == 'm' and b's' in flags:
                found = matches.get(root[1].encode('utf-8')) if matches is not None else None
                if found is None:
                    rec(out, b'W', i, b'noscan')
                    continue
                rec(out, b'W', i, b'match' + b''.join(b' ' + p for p in found))
                self.walk(out, i, found, R, every, nochildren)
            elif root[0] == 'm' and known.get(i) and all(p.isdigit() for p in known[i]):
                rec(out, b'W', i, b'known ' + b' '.join(known[i]))
                self.walk(out, i, known[i], R, every, nochildren)
        if nochildren[0]:
            rec(out, b'Y', 0, b'nochildren')
        rec(out, b'A', 0, self.read_proc(R, Y, every))
        if b'c' in flags or b'g0' in flags or b'g1' in flags:
            self.gpu(out, b'c' in flags, 0 if b'g0' in flags else 1 if b'g1' in flags else None, int(shape.get('gt') or 5))
        disks = []
        if b'd' in flags:
            for i, d in enumerate(shape['dirs']):
                p = os.fsencode(d)
                if os.path.isdir(p):
                    disks.append(p)
                else:
                    rec(out, b'K', i, b'missing')
        rec(out, b'E', 0, n)
        for p in disks:
            try:
                s = os.statvfs(p)
                v = getattr(s, 'f_fsid', 0)
            except OSError:
                continue
            # The file system's id as GNU stat prints %i: the two words of f_fsid, the first high.
            fsid = ((v & 0xffffffff) << 32) | (v >> 32)
            out.append(b'%s %x %d %d %d %d %d %d %s\0' % (n, fsid, s.f_frsize, s.f_blocks, s.f_bfree, s.f_bavail, s.f_files, s.f_ffree, p))
        return b''.join(out)

    def page_size(self, R):
        for l in lines_of(R + b'/self/smaps'):
            if l.startswith(b'KernelPageSize:'):
                w = l.split()
                if len(w) > 1 and w[1].isdigit():
                    return int(w[1]) * 1024
                break
        return os.sysconf('SC_PAGE_SIZE')

    def pid_file(self, out, i, path, R, every, nochildren):
        # As the script: a regular readable file (a named pipe is never opened), its first word all digits.
        if os.path.isfile(path) and os.access(path, os.R_OK):
            try:
                with open(path, 'rb') as f:
                    words = f.readline(4096).split()
            except (OSError, IOError):
                words = []
            p = words[0] if words else b''
            if not p.isdigit():
                rec(out, b'W', i, b'bad')
                return
            rec(out, b'W', i, b'pid ' + p)
            self.walk(out, i, [p], R, every, nochildren)
        elif os.path.exists(path):
            rec(out, b'W', i, b'unreadable')
        else:
            rec(out, b'W', i, b'nofile')

    def walk(self, out, i, roots, R, every, nochildren):
        # Breadth first through /proc/PID/task/*/children, each process once, at most MAX_TREE.
        queue = list(roots)
        tree = []
        seen = set()
        while queue and len(tree) < MAX_TREE:
            p = queue.pop(0)
            if not p.isdigit() or p in seen or not os.path.isdir(R + b'/' + p):
                continue
            seen.add(p)
            tree.append(p)
            if p not in every:
                every.append(p)
            try:
                tasks = os.listdir(R + b'/' + p + b'/task')
            except OSError:
                continue
            for t in tasks:
                try:
                    with open(R + b'/' + p + b'/task/' + t + b'/children', 'rb') as f:
                        kids = f.readline()
                except (OSError, IOError) as e:
                    if e.errno == errno.ENOENT and os.path.isdir(R + b'/' + p + b'/task/' + t):
                        nochildren[0] = True
                    continue
                kids = kids.rstrip(b'\n')
                if kids and not kids.translate(None, b'0123456789 '):
                    queue.extend(kids.split())
        rec(out, b'C', i, b' ' + b''.join(p + b' ' for p in tree))

    def scan(self, R, patterns):
        # As the script's ps -A -o pid=,ppid=,args=: each pattern's first MAX_MATCHES processes, then the
        # roots among them (a forked DataLoader worker carries its parent's command line). Not this process.
        me = str(os.getpid()).encode()
        try:
            names = os.listdir(R)
        except OSError:
            return None
        found = dict((t, []) for t in patterns)
        for name in sorted((x for x in names if x.isdigit()), key=int):
            if name == me:
                continue
            try:
                with open(R + b'/' + name + b'/cmdline', 'rb') as f:
                    cmd = f.read().rstrip(b'\0').replace(b'\0', b' ')
                if not cmd:
                    continue
                hits = [t for t in patterns if t in cmd and len(found[t]) < MAX_MATCHES]
                if not hits:
                    continue
                with open(R + b'/' + name + b'/stat', 'rb') as f:
                    s = f.read()
                ppid = s[s.rindex(b')') + 2:].split()[1]
            except (OSError, IOError, ValueError, IndexError):
                continue
            for t in hits:
                found[t].append((name, ppid))
        out = {}
        for t, ms in found.items():
            pids = set(p for p, _ in ms)
            out[t] = [p for p, pp in ms if pp not in pids]
        return out

    def read_proc(self, R, Y, every):
        # What the script's awk prints (AWK_READER), line for line.
        out = []
        for l in lines_of(R + b'/meminfo'):
            if l.split(b':', 1)[0] in (b'MemTotal', b'MemAvailable', b'SwapTotal', b'SwapFree') and b':' in l:
                out.append(b'M ' + SPACES.sub(b' ', l))
        for l in lines_of(R + b'/vmstat'):
            if l.split(b' ', 1)[0] in (b'pswpin', b'pswpout', b'oom_kill') and b' ' in l:
                out.append(b'V ' + l)
        for tag, path in ((b'L', R + b'/loadavg'), (b'U', R + b'/uptime'), (b'I', R + b'/sys/kernel/random/boot_id'),
                          (b'N', Y + b'/devices/system/cpu/online')):
            out.extend(tag + b' ' + l for l in lines_of(path) if l)
        for tag, name in ((b'S', b'memory'), (b'P', b'cpu'), (b'Q', b'io')):
            for l in lines_of(R + b'/pressure/' + name):
                m = PRESSURE.match(l)
                if m:
                    out.append(tag + b' ' + m.group(0))
        for p in every:
            for l in lines_of(R + b'/' + p + b'/stat')[:1]:
                at = l.rfind(b') ')
                f = l[at + 2:].split() if at >= 0 else []
                if len(f) >= 22:
                    out.append(b'T ' + l.split(b' ', 1)[0] + b' ' + b' '.join((f[1], f[0], f[11], f[12], f[19], f[21])))
        return b'\n'.join(out)

    def gpu(self, out, collect, start, timeout):
        # The script's background GPU query, held here: one at a time, killed when it outlives the timeout.
        import shutil
        if not shutil.which('nvidia-smi'):
            rec(out, b'H', 0, b'absent')
            return
        self.killed = [p for p in self.killed if p.poll() is None]
        up = int(float((lines_of('/proc/uptime')[0].split() or [b'0'])[0]))
        job = self.job
        run = job is not None and job[0].poll() is None
        if collect and job is not None:
            proc, q, began, f = job
            said = b'%d %d %d' % (q, began, up)
            if run and up - began >= timeout:
                proc.kill()
                try:
                    proc.wait(0.2)
                except Exception:
                    self.killed.append(proc)  # reaped at a later request
                self.job, run = None, False
                rec(out, b'H', 0, b'hung ' + said)
            elif run:
                rec(out, b'H', 0, b'running ' + said)
            else:
                rec(out, b'H', 0, b'done ' + said)
                f.seek(0)
                for l in f.read(1 << 20).split(b'\n')[:-1][:MAX_GPU_LINES]:
                    rec(out, b'G', q, l)
                f.close()
                self.job = None
        if start is not None and not run:
            import subprocess, tempfile
            f = tempfile.TemporaryFile()
            try:
                proc = subprocess.Popen([b'nvidia-smi', GPU_ARGS[start], b'--format=csv,noheader,nounits'], stdin=subprocess.DEVNULL,
                                        stdout=f, stderr=subprocess.STDOUT, close_fds=True)
            except OSError:
                f.close()
                return
            if self.job is not None:
                self.job[3].close()
            self.job = (proc, start, up, f)
            rec(out, b'H', 1, b'started %d %d' % (start, up))

class Requests(object):
    # The pipe vitals requests come through: in a private folder named after this process, so that one
    # left behind by a follower killed with SIGKILL is found and removed by the next.
    def __init__(self):
        self.fd = None
        self.path = None
        self.held = b''
        self.vitals = Vitals()
        base = os.environ.get('XDG_RUNTIME_DIR') or ''
        base = base if base and os.path.isdir(base) and os.access(base, os.W_OK) else (os.environ.get('TMPDIR') or '/tmp')
        try:
            for old in os.listdir(base):
                parts = old.split('-')
                if len(parts) == 3 and parts[0] == 'vigil' and parts[1].startswith('f') and parts[1][1:].isdigit() and not os.path.exists('/proc/' + parts[1][1:]):
                    self.remove(os.path.join(base, old))
            import tempfile
            d = tempfile.mkdtemp(prefix='vigil-f%d-' % os.getpid(), dir=base)
            os.mkfifo(os.path.join(d, 'r'), 0o600)
            self.path = os.path.join(d, 'r')
            # Read and write: it never blocks, never reads as ended, and the shell's write never waits.
            self.fd = os.open(self.path, os.O_RDWR | os.O_NONBLOCK)
        except Exception:
            self.close()

    def remove(self, d):
        try:
            os.unlink(os.path.join(d, 'r'))
        except OSError:
            pass
        try:
            os.rmdir(d)
        except OSError:
            pass

    def poll(self):
        if self.fd is not None and select.select([self.fd], [], [], 0)[0]:
            self.serve()

    def serve(self):
        try:
            self.held += os.read(self.fd, 65536)
        except OSError:
            return
        while b'\n' in self.held:
            line, self.held = self.held.split(b'\n', 1)
            self.vitals.take(line)

    def close(self):
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
        if self.path is not None:
            self.remove(os.path.dirname(self.path))
            self.path = None

def main():
    files = [F(l) for l in os.environ['VIGIL_FOLLOW_FILES'].split('\n') if l]
    hexes = lambda k: [bytes.fromhex(l) for l in os.environ.get(k, '').split('\n') if l]
    lives = Lives(hexes('VIGIL_FOLLOW_PIDS'), hexes('VIGIL_FOLLOW_PATTERNS'))
    w = Watch(files)
    req = REQ[0] = Requests()
    pipe = binascii.hexlify(req.path.encode()).decode() if req.path else '-'
    put(('\n@VF %s %s %s\n' % (NONCE, 'poll' if w.fd is None else 'inotify', pipe)).encode())
    for f in files:
        f.check()
    lives.check()
    flush()
    swept = time.time()
    while True:
        # Woken by other files of a watched folder, it still keeps the heartbeat's cadence: the engine
        # takes more than a heartbeat and a half of quiet to mean "probe everything again".
        now = time.time()
        for f in w.wait(max(0.05, min(HEART - (now - sent[0]), HEART - (now - swept))), req):
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

REQ = [None]
# Run, not loaded (a test loads it to drive Vitals alone).
if __name__ == '__main__':
    # Killed by the engine (a TERM) or its shell's end (a HUP): the finally clause removes the request pipe.
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    signal.signal(signal.SIGHUP, lambda *a: sys.exit(0))
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
    finally:
        if REQ[0] is not None:
            REQ[0].close()
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
