#!/usr/bin/env python3
"""Writes the demo reports in samples/ (invented machines and kexts; no real report is copied).

Run: python3 tools/make-samples.py. The files are committed; this
script only documents how they were made. Addresses follow the real layouts: Intel kernels
unslid at 0xffffff8000200000, Apple silicon kernel caches at 0xfffffe0007004000.
"""
import gzip, json, os

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "samples")

def w(name, text, mode="w"):
    path = os.path.join(OUT, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, mode) as f:
        f.write(text)

# --- bug A: GP fault in a third-party NIC kext (Intel, macOS 12.7.6 21H1320) ---------------
def intel_gpf(slide, kext_start, date, cpu, pid, proc, model):
    kb = 0xffffff8000200000 + slide          # Kernel text base
    k = lambda off: kb + off                 # a kernel return address
    x = lambda off: kext_start + off         # a FooNIC return address
    frames = [k(0x8c7ad), k(0x1d8ec3), k(0x1d8a51), k(0x3a1f6b), k(0x3a39d0), k(0x1c1e2a),
              x(0x4a1c), x(0x3f88), x(0x2210), k(0xc2b41e), k(0xc2a0f7), k(0x1aa9e2)]
    fp = 0xffffffb0a3c5b740
    bt = "".join("0x%016x : 0x%016x \n" % (fp + 0x40 * i, a) for i, a in enumerate(frames))
    return f"""{date}
panic(cpu {cpu} caller 0x{k(0x3a1f6b):016x}): Kernel trap at 0x{x(0x4a10):016x}, type 13=general protection, registers:
CR0: 0x0000000080010033, CR2: 0x00007ff8a1b2c000, CR3: 0x000000001d5e1000, CR4: 0x00000000003626e0
RAX: 0xdeadbeefdeadbeef, RBX: 0xffffff86b3f21000, RCX: 0x0000000000000000, RDX: 0x0000000000000001
RSP: 0xffffffb0a3c5b6d0, RBP: 0xffffffb0a3c5b700, RSI: 0x0000000000000040, RDI: 0xdeadbeefdeadbeef
R8:  0x0000000000000000, R9:  0x0000000000000000, R10: 0x0000000000000000, R11: 0x0000000000000000
R12: 0xffffff86b3f21000, R13: 0x0000000000000002, R14: 0xffffff86b3f21040, R15: 0x0000000000000000
RFL: 0x0000000000010246, RIP: 0x{x(0x4a10):016x}, CS:  0x0000000000000008, SS:  0x0000000000000010
Fault CR2: 0x00007ff8a1b2c000, Error code: 0x0000000000000000, Fault CPU: 0x{cpu:x}, PL: 0, VF: 0

Panicked task 0xffffff86b2a0e6d8: 212 threads: pid {pid}: {proc}
Backtrace (CPU {cpu}), panicked thread: 0xffffff86b4c1e540, Frame : Return Address
{bt}      Kernel Extensions in backtrace:
         com.example.driver.FooNIC(3.1.4)[5E0C1F7A-2B44-3C11-9A3E-0D6B7F21A9C4]@0x{kext_start:016x}->0x{kext_start + 0xbfff:016x}
            dependency: com.apple.iokit.IONetworkingFamily(3.4)[7A1B2C3D-4E5F-3A6B-8C7D-9E0F1A2B3C4D]@0x{kext_start - 0x80000:016x}->0x{kext_start - 0x60001:016x}
            dependency: com.apple.iokit.IOPCIFamily(2.9)[1F2E3D4C-5B6A-3978-8695-A4B3C2D1E0F9]@0x{kext_start - 0x200000:016x}->0x{kext_start - 0x1c0001:016x}

Process name corresponding to current thread (0xffffff86b4c1e540): {proc}
Boot args: keepsyms=0

Mac OS version:
21H1320

Kernel version:
Darwin Kernel Version 21.6.0: Mon Jun 24 00:56:10 PDT 2024; root:xnu-8020.240.18.709.2~1/RELEASE_X86_64
Kernel UUID: 3C587984-4004-3C76-8ADF-997822977184
KernelCache slide: 0x{slide - 0x10000:016x}
KernelCache base:  0x{kb - 0x10000:016x}
Kernel slide:      0x{slide:016x}
Kernel text base:  0x{kb:016x}
__HIB  text base: 0xffffff8000100000
System model name: {model}
System shutdown begun: NO
Hibernation exit count: 0

System uptime in nanoseconds: 91230456123
Last Sleep:           absolute           base_tsc          base_nano
  Uptime  : 0x000000153d2a7f10
last started kext at 20451234567: com.example.driver.FooNIC	3.1.4 (addr 0x{kext_start:016x}, size 49152)
loaded kexts:
com.example.driver.FooNIC	3.1.4
>!AHIDKeyboard	228.2
|IOPCI!F	2.9
"""

a1 = intel_gpf(0x1a600000, 0xffffff801fe31000, "Tue Mar  4 02:11:09 2025", 2, 412, "configd", "MacBookPro16,1 (Mac-E1008331FDC96864)")
a2 = intel_gpf(0x0c200000, 0xffffff8011a31000, "Wed Mar  5 23:47:51 2025", 0, 0, "kernel_task", "iMac20,1 (Mac-CFF7D910A743CAAF)")
a3 = intel_gpf(0x2e800000, 0xffffff8034031000, "Fri Mar  7 08:02:33 2025", 5, 97, "mDNSResponder", "MacBookPro16,1 (Mac-E1008331FDC96864)")
w("fleet-a/host-017/Kernel-2025-03-04-021109.panic", "Anonymous UUID:       1A2B3C4D-0000-4000-8000-00000000A017\n\n" + a1)
# kind B: JSON-wrapped .panic (header line, then a one-line body)
hdr = {"bug_type": "210", "timestamp": "2025-03-05 23:47:51.00 +0100", "os_version": "macOS 12.7.6 (21H1320)",
       "incident_id": "0B7E2F11-3C4D-4E5F-8A9B-0C1D2E3F4A5B"}
body = {"macOSProcessedStackshotData": "U3RhY2tzaG90IG9taXR0ZWQgaW4gdGhpcyBzYW1wbGUK", "macOSPanicFlags": "0x0",
        "macOSPanicString": a2}
w("fleet-a/host-022/Kernel-2025-03-05-234751.panic", json.dumps(hdr, separators=(",", ":")) + "\n" +
  json.dumps(body, separators=(",", ":")) + "\n")
# the same bug, gzip-compressed, with CRLF line ends as mail delivers it
w("fleet-a/host-031/panic-2025-03-07.txt.gz", gzip.compress(a3.replace("\n", "\r\n").encode()), "wb")

# --- bug B: WindowServer watchdog on Apple silicon (macOS 14.6.1 23G93) --------------------
def arm_watchdog(slide, when_hex, cpu, extra_service):
    txb = 0xfffffe0007004000 + slide + 0xf0000
    frames = [txb + o for o in (0x3a4f0, 0x1b63c8, 0x1b5d14, 0x93f50, 0x7c8a20)] + \
             [0xfffffe0009a1c110 + slide + o for o in (0x1f54, 0x2c80)] + [txb + o for o in (0x7e1b94, 0x7e3a08, 0x1c4e40)]
    bt = "".join("\t\t  lr: 0x%016x  fp: 0x%016x\n" % (a, 0xfffffe8b2a4f3c00 + 0x70 * i) for i, a in enumerate(frames))
    return f"""panic(cpu {cpu} caller 0x{txb + 0x7c8a20:016x}): userspace watchdog timeout: no successful checkins from WindowServer (2 induced crashes) in 120 seconds
service: logd, total successful checkins since load (4210 seconds ago): 422, last successful checkin: 0 seconds ago
service: WindowServer, total successful checkins since load (4210 seconds ago): 290, last successful checkin: 120 seconds ago
service: {extra_service}, total successful checkins since load (4210 seconds ago): 421, last successful checkin: 10 seconds ago

Debugger message: panic
Memory ID: 0x6
OS release type: User
OS version: 23G93
Kernel version: Darwin Kernel Version 23.6.0: Mon Jul 29 21:14:30 PDT 2024; root:xnu-10063.141.2~1/RELEASE_ARM64_T6000
Fileset Kernelcache UUID: 9D5E3A2B1C0F4E6D8A7B6C5D4E3F2A1B
Kernel UUID: 2B7A9C04-5E1D-3F28-9A6B-7C8D9E0F1A2B
Boot session UUID: 6F1E2D3C-4B5A-4968-8776-A5B4C3D2E1F0
iBoot version: iBoot-10151.140.19
secure boot?: YES
roots installed: 0
Paniclog version: 14
KernelCache slide: 0x{slide:016x}
KernelCache base:  0x{0xfffffe0007004000 + slide:016x}
Kernel slide:      0x{slide + 0x8000:016x}
Kernel text base:  0x{0xfffffe0007004000 + slide + 0x8000:016x}
Kernel text exec slide: 0x{slide + 0xf0000:016x}
Kernel text exec base:  0x{txb:016x}
mach_absolute_time: 0x5f3c2a1b09
Epoch Time:        sec       usec
  Boot    : 0x{when_hex - 4300:08x} 0x0004a1b2
  Sleep   : 0x00000000 0x00000000
  Wake    : 0x00000000 0x00000000
  Calendar: 0x{when_hex:08x} 0x0009c3d4

Panicked task 0xfffffe1b2c3d4e50: 190 pages, 8 threads: pid 121: watchdogd
Panicked thread: 0xfffffe1b2c5e6f70, backtrace: 0xfffffe8b2a4f3b80, tid: 2211
{bt}      Kernel Extensions in backtrace:
         com.apple.driver.watchdog(1)[A1B2C3D4-E5F6-3A7B-8C9D-0E1F2A3B4C5D]@0x{0xfffffe0009a1c110 + slide:016x}->0x{0xfffffe0009a1f9ff + slide:016x}

last started kext at 4012345678: com.apple.filesystems.smbfs	4.0 (addr 0xfffffe0007a1c000, size 12288)
loaded kexts:
com.apple.driver.watchdog	1
com.apple.filesystems.smbfs	4.0
"""

b1 = arm_watchdog(0x0bd40000, 0x66d1f2a0, 4, "backupd")
b2 = arm_watchdog(0x05a28000, 0x66d9c4b1, 0, "opendirectoryd")
w("fleet-b/studio-04/panic-2024-08-30.txt", b1)
ips_hdr = {"bug_type": "210", "timestamp": "2024-09-05 16:12:33.00 -0700", "os_version": "macOS 14.6.1 (23G93)",
           "roots_installed": 0, "incident_id": "3E4F5A6B-7C8D-4E9F-A0B1-C2D3E4F5A6B7"}
ips_body = {"build": "macOS 14.6.1 (23G93)", "product": "Mac13,1", "socId": "6000", "kernel":
            "Darwin Kernel Version 23.6.0: Mon Jul 29 21:14:30 PDT 2024; root:xnu-10063.141.2~1/RELEASE_ARM64_T6000",
            "incident": ips_hdr["incident_id"], "crashReporterKey": "0f1e2d3c4b5a69788796a5b4c3d2e1f001234567",
            "date": "2024-09-05 16:12:33.41 -0700", "panicString": b2, "panicFlags": "0x902",
            "otherString": "\n** Stackshot Succeeded ** Bytes Traced 412345 (Uncompressed 1203456) **\n",
            "binaryImages": [["2b7a9c04-5e1d-3f28-9a6b-7c8d9e0f1a2b", 18446741874803654656, "T"]]}
w("fleet-b/studio-09/panic-full-2024-09-05-161233.0002.ips",
  json.dumps(ips_hdr, separators=(",", ":")) + "\n" + json.dumps(ips_body, indent=2, separators=(",", " : ")).replace("/", "\\/") + "\n")

# --- bug C: an assertion, Intel keepsyms, inside an XML property list ---------------------
c1 = """panic(cpu 1 caller 0xffffff80160f1c2d): assertion failed: so->so_usecount > 0, file: /System/Volumes/Data/SWE/xnu/bsd/kern/uipc_socket.c, line: 4219 @uipc_socket.c:4219
Panicked task 0xffffff8b1c2d3e40: 9 threads: pid 288: nfsd
Backtrace (CPU 1), panicked thread: 0xffffff8b2e3f4a50, Frame : Return Address
0xffffffb0c1d2e0f0 : 0xffffff8015a81a6d mach_kernel : _handle_debugger_trap + 0x4ad
0xffffffb0c1d2e140 : 0xffffff8015bd4e95 mach_kernel : _kdp_i386_trap + 0x115
0xffffffb0c1d2e180 : 0xffffff8015bc4a53 mach_kernel : _kernel_trap + 0x343
0xffffffb0c1d2e1d0 : 0xffffff8015a21a90 mach_kernel : trap_from_kernel + 0x26
0xffffffb0c1d2e1f0 : 0xffffff8015a8113d mach_kernel : _DebuggerTrapWithState + 0x5d
0xffffffb0c1d2e310 : 0xffffff8015a81826 mach_kernel : _panic_trap_to_debugger + 0x1b6
0xffffffb0c1d2e370 : 0xffffff80162a5d4a mach_kernel : _panic + 0x84
0xffffffb0c1d2e460 : 0xffffff80160f1c2d mach_kernel : _sofreelastref + 0x1fd
0xffffffb0c1d2e4a0 : 0xffffff80160f1a12 mach_kernel : _soclose_locked + 0x1b2
0xffffffb0c1d2e4f0 : 0xffffff80160f3b8e mach_kernel : _soclose + 0x9e
0xffffffb0c1d2e520 : 0xffffff801602a2c1 mach_kernel : _closef_locked + 0x1c1
0xffffffb0c1d2e5a0 : 0xffffff8016026b41 mach_kernel : _close_nocancel + 0x2e1
0xffffffb0c1d2e7a0 : 0xffffff8016185d1b mach_kernel : _unix_syscall64 + 0x2ab
0xffffffb0c1d2e900 : 0xffffff8015a28216 mach_kernel : _hndl_unix_scall64 + 0x16

Process name corresponding to current thread (0xffffff8b2e3f4a50): nfsd
Boot args: keepsyms=1

Mac OS version:
22G820

Kernel version:
Darwin Kernel Version 22.6.0: Thu Jul 11 18:42:33 PDT 2024; root:xnu-8796.141.3.706.2~1/RELEASE_X86_64
Kernel UUID: 5B3A1C2D-7E8F-3A9B-8C0D-1E2F3A4B5C6D
KernelCache slide: 0x0000000015600000
KernelCache base:  0xffffff8015800000
Kernel slide:      0x0000000015610000
Kernel text base:  0xffffff8015810000
__HIB  text base: 0xffffff8015700000
System model name: Macmini8,1 (Mac-7BA5B2DFE22DDD8C)
"""
plist = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
\t<key>bug_type</key>
\t<string>210</string>
\t<key>os_version</key>
\t<string>macOS 13.6.9 (22G820)</string>
\t<key>timestamp</key>
\t<date>2024-10-02T07:15:00Z</date>
\t<key>product</key>
\t<string>Macmini8,1</string>
\t<key>panicString</key>
\t<string>""" + c1.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") + """</string>
</dict>
</plist>
"""
w("fleet-c/mini-02/panic-report.plist", plist)

# --- bug D: zone use-after-free on an iPhone (.ips) ---------------------------------------
d1 = """panic(cpu 3 caller 0xfffffff0264f1a2c): [kalloc.type.var4.128]: element modified after free (off:64, val:0xfffffff1d2c3b4a5, sz:128, ptr:0xffffffe4c1d2e3f0)
   64: 0xfffffff1d2c3b4a5
   72: 0x0000000000000000
Debugger message: panic
Memory ID: 0x6
OS release type: User
OS version: 21G93
Kernel version: Darwin Kernel Version 22.6.0: Wed Jul  5 22:17:35 PDT 2023; root:xnu-8796.142.1~1/RELEASE_ARM64_T8101
Kernel UUID: 7D6C5B4A-3928-3170-8F6E-5D4C3B2A1908
iBoot version: iBoot-8422.141.2
secure boot?: YES
Paniclog version: 14
Kernel slide:      0x000000001f4c8000
Kernel text base:  0xfffffff0264cc000
mach_absolute_time: 0x2f1e0d3c4b
Epoch Time:        sec       usec
  Boot    : 0x64e1a2b3 0x000c1d2e
  Calendar: 0x64e1f3c4 0x0003a4b5

Panicked task 0xffffffe19a2b3c40: 2210 pages, 14 threads: pid 188: mediaserverd
Panicked thread: 0xffffffe19b3c4d50, backtrace: 0xffffffe8155a3b70, tid: 4411
\t\t  lr: 0xfffffff0264d3f20  fp: 0xffffffe8155a3be0
\t\t  lr: 0xfffffff0265c1b48  fp: 0xffffffe8155a3c50
\t\t  lr: 0xfffffff0265c0e1c  fp: 0xffffffe8155a3d10
\t\t  lr: 0xfffffff02654f6a0  fp: 0xffffffe8155a3d20
\t\t  lr: 0xfffffff0264f1a2c  fp: 0xffffffe8155a3d90
\t\t  lr: 0xfffffff0264f08c4  fp: 0xffffffe8155a3df0
\t\t  lr: 0xfffffff0268a2d18  fp: 0xffffffe8155a3e40
\t\t  lr: 0xfffffff0268a1c94  fp: 0xffffffe8155a3ea0
\t\t  lr: 0xfffffff02662b1e8  fp: 0xffffffe8155a3f20
\t\t  lr: 0xfffffff026557a30  fp: 0xffffffe8155a3f30
"""
ips_hdr = {"bug_type": "210", "timestamp": "2023-08-20 08:11:48.00 +0200", "os_version": "iPhone OS 16.6 (20G75)",
           "incident_id": "4A5B6C7D-8E9F-4A0B-9C1D-2E3F4A5B6C7D"}
ips_body = {"build": "iPhone OS 16.6 (20G75)", "product": "iPhone13,2", "kernel":
            "Darwin Kernel Version 22.6.0: Wed Jul  5 22:17:35 PDT 2023; root:xnu-8796.142.1~1/RELEASE_ARM64_T8101",
            "incident": ips_hdr["incident_id"], "date": "2023-08-20 08:11:48.12 +0200", "panicString": d1.replace("21G93", "20G75"),
            "panicFlags": "0x2", "otherString": "\n** Stackshot Succeeded ** Bytes Traced 187532 **\n"}
w("fleet-d/iphone-7/panic-full-2023-08-20-081148.ips",
  json.dumps(ips_hdr, separators=(",", ":")) + "\n" + json.dumps(ips_body, indent=2, separators=(",", " : ")).replace("/", "\\/") + "\n")

# --- a partial report: pasted from chat, cut mid-frame ---------------------------------------
cut = a1.split("0xffffffb0a3c5b900")[0] + "0xffffffb0a3c5b900 : 0xffffff80"
w("inbox/pasted-from-chat.txt", "> From the on-call channel:\n" + cut)

# --- a file that is no panic report ---------------------------------------------------------
w("inbox/README-collect.txt", "Panic logs are collected nightly from /Library/Logs/DiagnosticReports.\n"
  "Ask #kernel-triage before deleting anything here.\n")
