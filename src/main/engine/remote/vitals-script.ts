// Host vitals on a polled host (a followed host's follower does the same work and answers in this
// script's format: follower-vitals.ts): one script run at its own cadence in the same control shell as the file probe, framed
// like it (frame.ts). Shell builtins walk each worker's process tree (the root from its pid file, or the
// processes matching its pattern, then /proc/PID/task/*/children down); one `awk` then reads every
// /proc file wanted (memory, swap, pressure, load, the OOM counter, boot id, uptime, each process's stat)
// with buffered reads and prints only the fields used: `read` in dash takes one system call per byte,
// which made a 40-process tree cost 6 ms a tick against 1 ms for awk. What a tick may start besides the
// `timeout` and `sh` every control-shell script costs: that `awk`, and at most one of `ps` (when a
// pattern's processes must be found again), `stat -f` (free space, every third tick) or `nvidia-smi`
// (forked into the background so that a hung driver never holds up this script, let alone the next file
// probe; the next tick collects it). The page size (once per connection) is read from /proc/self/smaps by
// builtins. The free space of the workers' file systems comes last, from `stat -f` exec'd in place of
// the shell. Building the script is a pure function; so is reading its answer
// (vitals-parse.ts).

import { shQuote } from '../ssh';
import { SH_BYTES, SH_END, SH_PRELUDE } from './frame';
import { selfExcludingGlob } from './probe';

/** How a worker's processes are found. */
export type VitalsRoot =
  | { kind: 'pid-file'; path: string }
  /** `pids`: where the pattern was found before (checked by their start time, see VitalsSampler). */
  | { kind: 'pattern'; pattern: string; pids: number[] }
  | { kind: 'none' };

export interface VitalsRequest {
  /**
   * Where /proc and /sys are read: "/proc" and "/sys" on every real host. Tests point them at fixture
   * trees; nothing in a config or on the remote can set them.
   */
  procRoot: string;
  sysRoot: string;
  /** One per worker, in the worker order of the caller. */
  roots: VitalsRoot[];
  /** Absolute folders whose file systems' free space is read. */
  dirs: string[];
  /** Read them this tick (default true). */
  readDisks?: boolean;
  /** Read the page size (RSS in /proc/PID/stat is in pages): once per connection. */
  pageSize: boolean;
  /** Run one `ps` to find the processes of every pattern root this tick. */
  scan: boolean;
  /** Look at the background GPU query: collect its answer, or find it hung. */
  gpuCollect: boolean;
  /** Start a GPU query in the background (when none is running): 0 the devices, 1 the compute apps. */
  gpuStart: 0 | 1 | null;
  /** A GPU query running longer than this is killed and reported hung (seconds). */
  gpuTimeoutS: number;
  /**
   * Names this Vigil's GPU files on the host (8 hex digits), so that two Vigils watching one account
   * (another laptop) never collect each other's answers.
   */
  gpuId?: string;
}

/** nvidia-smi's device query; `uuid` maps compute apps to devices. */
export const GPU_QUERY =
  'index,uuid,name,utilization.gpu,memory.used,memory.total,temperature.gpu,power.draw,power.limit,clocks_throttle_reasons.active';
export const GPU_APPS_QUERY = 'pid,used_memory,gpu_uuid';
const SMI_FORMAT = '--format=csv,noheader,nounits';

/** The most processes followed per worker tree (DataLoader workers included), and pattern matches. */
export const MAX_TREE = 256;
const MAX_MATCHES = 64;
const MAX_GPU_LINES = 64;
const NL = '\n';
const IFS_DEFAULT = ' \t\n';

/**
 * `wk W PIDS`: the tree under PIDS for worker W, breadth first, each process once; its pids go to the
 * worker's C record and to _all (for awk). _nc is set when the kernel has no `children` files.
 */
const SH_WALK = [
  'wk() { _w=$1; _q=$2; _s=" "; _t=0',
  `  while [ -n "$_q" ] && [ $_t -lt ${MAX_TREE} ]; do`,
  // biome-ignore lint/suspicious/noTemplateCurlyInString: shell text
  '    _p=${_q%% *}; case $_q in *" "*) _q=${_q#* };; *) _q=;; esac',
  '    case $_p in ""|*[!0-9]*) continue;; esac',
  '    case $_s in *" $_p "*) continue;; esac',
  '    [ -d "$R/$_p" ] || continue',
  '    _s="$_s$_p "; _t=$((_t+1))',
  '    case $_all in *" $_p "*) ;; *) _all="$_all$_p ";; esac',
  '    for _c in "$R/$_p"/task/*/children; do',
  '      [ -e "$_c" ] || { _nc=1; continue; }',
  '      _k=; read -r _k < "$_c"',
  '      case $_k in *[!0-9\\ ]*) ;; ?*) _q="$_q $_k";; esac',
  '    done',
  '  done; o C $_w "$_s"; }',
].join('\n');

/**
 * Reads the files named after each tag argument (a capital letter) with getline, which only returns -1
 * for a file that vanished (a process that just exited) where a file operand would end mawk. Prints
 * `TAG line` for what is wanted, and for a process's stat line only pid, ppid, state, utime, stime,
 * starttime and rss (the comm field, which may hold spaces and parentheses, ends at the last ") ").
 * Every 10 s on every host, so it sends no more than is read: meminfo's padding squeezed, of a
 * pressure line only its avg10 (half of an idle followed host's bytes were these lines).
 */
export const AWK_READER = String.raw`BEGIN { for (i = 1; i < ARGC; i++) { a = ARGV[i]; if (a !~ /^\//) { t = a; continue }
  while ((getline l < a) > 0) {
    if (t == "M") { if (l ~ /^(MemTotal|MemAvailable|SwapTotal|SwapFree):/) { gsub(/  +/, " ", l); print "M " l } }
    else if (t == "V") { if (l ~ /^(pswpin|pswpout|oom_kill) /) print "V " l }
    else if (t == "T") { if (match(l, /.*\) /)) { n = split(substr(l, RLENGTH + 1), f, " ");
      if (n >= 22) print "T " substr(l, 1, index(l, " ") - 1) " " f[2] " " f[1] " " f[12] " " f[13] " " f[20] " " f[22] } }
    else if (t == "S" || t == "P" || t == "Q") { if (match(l, /^(some|full) avg10=[0-9.]+/)) print t " " substr(l, 1, RLENGTH) }
    else print t " " l
  } close(a) } }`;

function rootLines(req: VitalsRequest): string[] {
  const lines: string[] = [];
  req.roots.forEach((root, i) => {
    if (root.kind === 'pid-file') {
      // `[ -f ]` first: reading a named pipe would wait for a writer for ever.
      const p = shQuote(root.path);
      lines.push(
        `if [ -f ${p} ] && [ -r ${p} ]; then _p=; read -r _p _ < ${p}; ` +
          `case $_p in ""|*[!0-9]*) o W ${i} bad;; *) o W ${i} "pid $_p"; wk ${i} "$_p";; esac; ` +
          `elif [ -e ${p} ]; then o W ${i} unreadable; else o W ${i} nofile; fi`,
      );
    } else if (root.kind === 'pattern') {
      // With VIGIL_SCAN: every match's pid and parent from one `ps`; the roots are the matches whose
      // parent does not match (forked DataLoader workers carry their parent's command line). Lines split
      // on newlines only, and nothing a command line holds is globbed. Else the pids found before
      // (VIGIL_Kn, digits only), checked by the caller against their start times.
      lines.push(
        `if [ -n "$VIGIL_SCAN" ]; then if [ $_vq -ne 0 ]; then o W ${i} noscan; else _m=" "; _r=; _n=0; set -f; IFS="${NL}"; ` +
          `for _l in $_vp; do case "$_l" in ${selfExcludingGlob(root.pattern)}) [ $_n -lt ${MAX_MATCHES} ] || break; ` +
          `IFS=" "; set -- $_l; IFS="${NL}"; _m="$_m$1 "; _r="$_r $1:$2"; _n=$((_n+1));; esac; done; ` +
          `set +f; IFS="${IFS_DEFAULT}"; _z=; for _x in $_r; do case $_m in *" \${_x#*:} "*) ;; *) _z="$_z \${_x%%:*}";; esac; done; ` +
          `o W ${i} "match$_z"; wk ${i} "$_z"; fi; ` +
          `else _k=$VIGIL_K${i}; case $_k in ""|*[!0-9\\ ]*) ;; *) o W ${i} "known $_k"; wk ${i} "$_k";; esac; fi`,
      );
    }
  });
  return lines;
}

/**
 * The GPU query, a background job whose state lives in files of a private folder: `ID.job` holds its pid,
 * which query it is (0 devices, 1 compute apps) and its start (uptime seconds). One query per job and
 * `&` on a simple command, so starting it forks nvidia-smi and nothing else. A job still alive past the
 * timeout is killed and reported hung; while one lives no other starts, so a wedged driver never
 * collects a pile of stuck nvidia-smi processes.
 */
function gpuLines(req: VitalsRequest): string[] {
  const id = /^[0-9a-f]{8}$/.test(req.gpuId ?? '') ? req.gpuId : 'default';
  const timeout = Math.max(1, Math.round(req.gpuTimeoutS));
  return [
    'if [ -n "$VIGIL_GC$VIGIL_GS" ]; then if command -v nvidia-smi >/dev/null 2>&1; then',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell text
    '  _g="${XDG_RUNTIME_DIR:-$HOME/.cache}/vigil-gpu"; [ -d "$_g" ] || mkdir -p -m 700 "$_g" || o H 2 nodir',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell text
    '  _up=; read -r _up _ < /proc/uptime; _up=${_up%.*}; _run=',
    `  _j="$_g/${id}"; _jp=; _jk=; _js=; [ -f "$_j.job" ] && read -r _jp _jk _js < "$_j.job"`,
    '  case $_jp$_jk$_js in ""|*[!0-9]*) _jp=;; esac; case $_jk in 0|1) ;; *) _jp=;; esac',
    // Alive: its pid still names an nvidia-smi, and not a zombie waiting for a parent to reap it.
    '  if [ -n "$_jp" ]; then _jc=; read -r _jc < "/proc/$_jp/comm"',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell text
    '    if [ "$_jc" = nvidia-smi ]; then _x=; read -r _x < "/proc/$_jp/stat"; _x=${_x##*\\) }; case $_x in Z*|X*) ;; *) _run=1;; esac; fi',
    '    if [ -z "$VIGIL_GC" ]; then :',
    `    elif [ -n "$_run" ] && [ $((_up-_js)) -ge ${timeout} ]; then`,
    '      kill -9 "$_jp"; : > "$_j.job"; _run=; o H 0 "hung $_jk $_js $_up"',
    '    elif [ -n "$_run" ]; then o H 0 "running $_jk $_js $_up"',
    '    else o H 0 "done $_jk $_js $_up"',
    `      _n=0; while IFS= read -r _l && [ $_n -lt ${MAX_GPU_LINES} ]; do o G $_jk "$_l"; _n=$((_n+1)); done < "$_j.$_jk.out"`,
    '      : > "$_j.job"; fi',
    '  fi',
    `  case $VIGIL_GS in 0) _q=--query-gpu=${GPU_QUERY};; 1) _q=--query-compute-apps=${GPU_APPS_QUERY};; *) _q=;; esac`,
    '  if [ -n "$_q" ] && [ -z "$_run" ] && [ -d "$_g" ]; then',
    `    nvidia-smi "$_q" ${SMI_FORMAT} > "$_j.$VIGIL_GS.out" 2>&1 </dev/null 3>&- &`,
    '    echo "$! $VIGIL_GS $_up" > "$_j.job"; o H 1 "started $VIGIL_GS $_up"',
    '  fi',
    'else o H 0 absent; fi; fi',
  ];
}

/**
 * What this tick asks, in the environment: the script's text stays the same from tick to tick, so the
 * control shell keeps it (sent once) however the ticks differ.
 */
export function vitalsEnv(req: VitalsRequest): Record<string, string> {
  const env: Record<string, string> = {};
  if (req.pageSize) env.VIGIL_PS = '1';
  if (req.scan) env.VIGIL_SCAN = '1';
  req.roots.forEach((r, i) => {
    if (r.kind === 'pattern' && !req.scan && r.pids.length > 0)
      env[`VIGIL_K${i}`] = r.pids.filter((p) => Number.isSafeInteger(p) && p > 0).join(' ');
  });
  if (req.gpuCollect) env.VIGIL_GC = '1';
  if (req.gpuStart !== null) env.VIGIL_GS = String(req.gpuStart);
  if (req.readDisks !== false) env.VIGIL_DISKS = '1';
  return env;
}

/** The script for a host's workers; what each tick asks comes in its environment (vitalsEnv). */
export function buildVitalsScript(req: VitalsRequest): string {
  const lines: string[] = [
    SH_PRELUDE,
    `R=${shQuote(req.procRoot)}; Y=${shQuote(req.sysRoot)}; _nc=; _all=" "; _a=${shQuote(AWK_READER)}; _vq=1`,
  ];
  // Before LC_ALL=C: ps would show non-ASCII command lines as `?`.
  if (req.roots.some((r) => r.kind === 'pattern'))
    lines.push('if [ -n "$VIGIL_SCAN" ]; then _vp=$(ps -A -o pid=,ppid=,args= 2>/dev/null); _vq=$?; fi');
  lines.push(SH_BYTES, 'if [ -r "$R/meminfo" ]; then');
  // The page size from the shell's own smaps by builtins (no process); `getconf` only where that fails.
  lines.push(
    'if [ -n "$VIGIL_PS" ]; then _z=; if [ -r "$R/self/smaps" ]; then while read -r _k _v _u; do ' +
      'case $_k in KernelPageSize:) case $_v in ""|*[!0-9]*) ;; *) _z=$((_v*1024));; esac; break;; esac; ' +
      'done < "$R/self/smaps"; fi; [ -n "$_z" ] || _z=$(getconf PAGESIZE); o Z 0 "$_z"; fi',
  );
  lines.push(SH_WALK, ...rootLines(req), '[ -n "$_nc" ] && o Y 0 nochildren');
  // One awk reads them all; pressure files absent (kernel < 4.20) or refused (psi=0) read as nothing.
  lines.push(
    'if command -v awk >/dev/null 2>&1; then ' +
      'set -- M "$R/meminfo" V "$R/vmstat" L "$R/loadavg" U "$R/uptime" I "$R/sys/kernel/random/boot_id" ' +
      'N "$Y/devices/system/cpu/online" S "$R/pressure/memory" P "$R/pressure/cpu" Q "$R/pressure/io" T; ' +
      'for _p in $_all; do set -- "$@" "$R/$_p/stat"; done; _d=$(awk "$_a" "$@"); o A 0 "$_d"; ' +
      'else o X 0 noawk; fi',
    ...gpuLines(req),
  );
  // Folders that exist go on to `stat -f`; the others are said so.
  lines.push('set --');
  if (req.dirs.length > 0) {
    lines.push('if [ -n "$VIGIL_DISKS" ]; then');
    req.dirs.forEach((d, i) => {
      lines.push(`if [ -d ${shQuote(d)} ]; then set -- "$@" ${shQuote(d)}; else o K ${i} missing; fi`);
    });
    lines.push('fi');
  }
  lines.push(SH_END);
  if (req.dirs.length > 0) {
    // GNU stat: fs id, block size, blocks, free, available to users, inodes, free inodes, name, NUL.
    lines.push(
      'if [ $# -gt 0 ]; then exec stat -f --printf "$VIGIL_NONCE %i %S %b %f %a %c %d %n\\0" -- "$@" 2>&3; fi',
    );
  }
  lines.push(`else o X 0 noproc; ${SH_END}; fi`);
  return `${lines.join('\n')}\n`;
}
