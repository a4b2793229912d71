#!/usr/bin/env python3
"""Writes the project's own parser inputs in tests/data/ (invented reports, hostile files).

The files are committed; this script documents how they were made: python3 tools/make-test-data.py
"""
import base64, json, os, plistlib, struct

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data")
os.makedirs(OUT, exist_ok=True)

def w(name, data):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data.encode() if isinstance(data, str) else data)

INTEL = """Anonymous UUID:       9F8E7D6C-5B4A-4392-8170-6F5E4D3C2B1A

Mon Jan  6 10:00:01 2025
*** Panic Report ***
panic(cpu 3 caller 0xffffff8010a8e4c2): "thread_invoke: preemption_level -1, possible cause: unlocking an unlocked mutex or spinlock"@/AppleInternal/BuildRoot/Library/Caches/com.apple.xbs/Sources/xnu/xnu-6153.141.16/osfmk/kern/sched_prim.c:2230
Backtrace (CPU 3), Frame : Return Address
0xffffff83b1b3bb00 : 0xffffff801051a65d 
0xffffff83b1b3bb50 : 0xffffff8010653a75 
0xffffff83b1b3bb90 : 0xffffff8010a8e4c2 
0xffffff83b1b3bc00 : 0xffffff7f93a1c21b 
0xffffff83b1b3bc50 : 0xffffff7f93a1b0f0 
0xffffff83b1b3bfa0 : 0xffffff801059013e 
      Kernel Extensions in backtrace:
         org.example.fs.zeta(2.0.1)[0D1C2B3A-4F5E-3D6C-8B7A-9F0E1D2C3B4A]@0xffffff7f93a00000->0xffffff7f93a3ffff
            dependency: com.apple.iokit.IOStorageFamily(2.1)[A0B1C2D3-E4F5-3A6B-9C8D-7E6F5A4B3C2D]@0xffffff7f91e11000

BSD process name corresponding to current thread: kernel_task
Boot args: -v 

Mac OS version:
19H2

Kernel version:
Darwin Kernel Version 19.6.0: Thu Jun 18 20:49:00 PDT 2020; root:xnu-6153.141.1~1/RELEASE_X86_64
Kernel UUID: 1C2D3E4F-5A6B-3C7D-8E9F-0A1B2C3D4E5F
Kernel slide:     0x0000000010200000
Kernel text base: 0xffffff8010400000
__HIB  text base: 0xffffff8010300000
System model name: MacBookAir9,1 (Mac-0CFF9C7C2B63DF8D)
System shutdown begun: NO
Panic diags file available: YES (0x0)

System uptime in nanoseconds: 123456789012
last loaded kext at 45678901234: org.example.fs.zeta	2.0.1 (addr 0xffffff7f93a00000, size 262144)
loaded kexts:
org.example.fs.zeta	2.0.1
@filesystems.autofs	3.0
>!AHIDKeyboard	209
|IO!S!F	2.1
"""
w("intel-legacy.panic", INTEL)
w("intel-wrapped.panic", json.dumps({"bug_type": "210", "timestamp": "2025-01-06 10:00:01.00 +0100",
                                     "os_version": "Mac OS X 10.15.7 (19H2)"}, separators=(",", ":")) + "\n" +
  json.dumps({"macOSProcessedStackshotData": "AAAA", "macOSPanicString": INTEL.split("*** Panic Report ***\n")[1]},
             separators=(",", ":")))

ARM = """panic(cpu 2 caller 0xfffffe0019c3e0a8): Kernel data abort. at pc 0xfffffe001b2e4c10, lr 0x8a4dfe001b2e4bd8 (saved state: 0xfffffe8f3a2b3c40)
\t  x0:  0x0000000000000000 x1:  0xfffffe1a2b3c4d50  x2:  0x0000000000000010  x3:  0x0000000000000000
\t  x28: 0x0000000000000000 fp:  0xfffffe8f3a2b3fa0  lr:  0x8a4dfe001b2e4bd8  sp:  0xfffffe8f3a2b3f90
\t  pc:  0xfffffe001b2e4c10 cpsr: 0x60401208         esr: 0x96000006          far: 0x0000000000000018

Debugger message: panic
Memory ID: 0x6
OS release type: User
OS version: 22G91
Kernel version: Darwin Kernel Version 22.6.0: Wed Jul  5 22:22:05 PDT 2023; root:xnu-8796.141.3~6/RELEASE_ARM64_T6000
Fileset Kernelcache UUID: 0A1B2C3D4E5F60718293A4B5C6D7E8F9
Kernel UUID: E88B0B04-7B4D-3E52-8980-A19ED82304F7
Paniclog version: 14
KernelCache slide: 0x0000000012900000
KernelCache base:  0xfffffe0019904000
Kernel slide:      0x0000000012908000
Kernel text base:  0xfffffe001990c000
Kernel text exec slide: 0x0000000013ce0000
Kernel text exec base:  0xfffffe001ace4000
Epoch Time:        sec       usec
  Calendar: 0x65a1b2c3 0x00012345

Panicked task 0xfffffe2a1b2c3d40: 1022 pages, 9 threads: pid 611: Finder
Panicked thread: 0xfffffe2a1c2d3e50, backtrace: 0xfffffe8f3a2b3600, tid: 90211
\t\t  lr: 0xfffffe001ad3a620  fp: 0xfffffe8f3a2b3680
\t\t  lr: 0xfffffe0019c3e0a8  fp: 0xfffffe8f3a2b3700
\t\t  lr: 0xfffffe001b2e4bd8  fp: 0xfffffe8f3a2b3fa0
\t\t  lr: 0xfffffe001b2e1014  fp: 0xfffffe8f3a2b4010
\t\t  lr: 0xfffffe001ae0b338  fp: 0x0000000000000000
      Kernel Extensions in backtrace:
         com.example.driver.Gadget(1.4)[77665544-3322-3110-8FEE-DDCCBBAA9988]@0xfffffe001b2d0d60->0xfffffe001b2f2a4b

last started kext at 99887766554: com.example.driver.Gadget\t1.4 (addr 0xfffffe001b2c8000, size 131072)
loaded kexts:
com.example.driver.Gadget\t1.4
"""
w("arm64-abort.txt", ARM)
w("quoted-chat.md", "".join(("> " + l if l else ">") + "\n" for l in ARM.split("\n")))

IOS = """panic(cpu 0 caller 0xfffffff02813a2c0): a freed zone element has been modified in zone kalloc.48: expected 0xc0ffee00c0ffee00 but found 0x4141414141414141
Debugger message: panic
OS version: 20G75
Kernel version: Darwin Kernel Version 22.6.0: Wed Jul  5 22:17:35 PDT 2023; root:xnu-8796.142.1~1/RELEASE_ARM64_T8101
Kernel UUID: 6B5A4C3D-2E1F-3A0B-9C8D-7E6F5A4B3C2D
Kernel slide:      0x0000000021030000
Kernel text base:  0xfffffff028034000
Panicked task 0xffffffe1a2b3c4d0: 611 pages, 3 threads: pid 1: launchd
Panicked thread: 0xffffffe1a3b4c5e0, backtrace: 0xffffffe81a2b3c00, tid: 101
\t\t  lr: 0xfffffff02803fa20  fp: 0xffffffe81a2b3c80
\t\t  lr: 0xfffffff02813a2c0  fp: 0xffffffe81a2b3d00
\t\t  lr: 0xfffffff0281f1b3c  fp: 0xffffffe81a2b3e00
"""
hdr = {"bug_type": "210", "timestamp": "2023-08-21 12:00:00.00 +0000", "os_version": "iPhone OS 16.6 (20G75)",
       "incident_id": "11111111-2222-4333-8444-555555555555"}
body = {"build": "iPhone OS 16.6 (20G75)", "product": "iPhone13,2", "kernel": "Darwin Kernel Version 22.6.0",
        "date": "2023-08-21 12:00:00.10 +0000", "panicString": IOS,
        "processByPid": {"1": {"pid": 1, "big": 18446744073709551615}}}
body_text = json.dumps(body, indent=2, separators=(",", " : ")).replace("/", "\\/")
w("ios-zone.ips", json.dumps(hdr, separators=(",", ":")) + "\n" + body_text + "\n")
w("no-header-body.txt", "\n".join(body_text.split("\n")[1:6]) + "\n")

esc = lambda s: s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
PL = '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n<plist version="1.0">\n<dict>\n%s</dict>\n</plist>\n'
w("panic.plist", PL % ("\t<key>bug_type</key>\n\t<integer>210</integer>\n\t<key>description</key>\n\t<string>panic report</string>\n"
                       "\t<key>panicString</key>\n\t<string><![CDATA[" + INTEL + "]]></string>\n"))

def pack_a(text):
    """xnu's packA: 8 seven-bit characters in 7 bytes, least significant bit first."""
    data = text.encode() + b"\0" * ((8 - len(text) % 8) % 8)
    out, acc, bits = bytearray(), 0, 0
    for c in data:
        acc |= (c & 0x7f) << bits
        bits += 7
        while bits >= 8:
            out.append(acc & 0xff)
            acc >>= 8
            bits -= 8
    return bytes(out)

packed = base64.b64encode(pack_a(INTEL)).decode()
w("panic-info.plist", PL % ("\t<key>aapl,panic-info</key>\n\t<data>\n\t" +
                             "\n\t".join(packed[i:i + 68] for i in range(0, len(packed), 68)) + "\n\t</data>\n"))

w("cut-mid-frame.txt", INTEL.split("0xffffff83b1b3bc50")[0] + "0xffffff83b1b3bc50 : 0xffffff7f93")
w("not-a-panic.txt", "Weekly notes: the panic (cpu fan) on bench 4 was a false alarm.\nNothing to triage.\n")
w("bug-type-109.ips", '{"bug_type":"109","timestamp":"2025-01-01 00:00:00.00 +0000","os_version":"macOS 14.0 (23A344)"}\n{\n  "app" : "Finder"\n}\n')
w("xxe.plist", '<?xml version="1.0"?>\n<!DOCTYPE plist [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
  '<plist version="1.0"><dict><key>panicString</key><string>panic(cpu 0 caller 0x1): &xxe;</string></dict></plist>\n')
w("entity-bomb.plist", '<?xml version="1.0"?>\n<!DOCTYPE plist [\n<!ENTITY a "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA">\n' +
  "".join('<!ENTITY %s "%s">\n' % (chr(ord("b") + i), ("&%s;" % chr(ord("a") + i)) * 10) for i in range(8)) +
  ']>\n<plist version="1.0"><dict><key>panicString</key><string>panic(cpu 0 caller 0x1): &i;</string></dict></plist>\n')
w("binary.plist", b"bplist00\xd1\x01\x02Tpanic\x10\x01\x08\x0b\x11\x00\x00\x00\x00\x00\x00\x01\x01\x00\x00\x00\x00\x00\x00\x00\x03"
  b"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x13")
w("utf16.txt", b"\xff\xfe" + INTEL.encode("utf-16-le"))
# the same report as a binary property list (plain text, and NVRAM-packed), and as UTF-16
# big-endian without a byte order mark; one UTF-16 copy with a lone surrogate (damage)
w("panic-binary.plist", plistlib.dumps({"bug_type": 210, "description": "panic report", "panicString": INTEL},
                                       fmt=plistlib.FMT_BINARY, sort_keys=True))
w("panic-info-binary.plist", plistlib.dumps({"aapl,panic-info": pack_a(INTEL)}, fmt=plistlib.FMT_BINARY))
w("utf16be-nobom.txt", INTEL.encode("utf-16-be"))
w("utf16-bad.txt", b"\xff\xfe" + INTEL.encode("utf-16-le").replace("mutex".encode("utf-16-le"), b"\x00\xd8" + "utex".encode("utf-16-le")))
w("nul-bytes.txt", INTEL.replace("possible cause", "possible\0\0cause"))

# hostile binary plists: nested 5,000 deep (libplist recurses), an array holding itself,
# a file cut before its trailer; UTF-16 of odd length
def bplist_chain(n):
    data, offs = b"bplist00", []
    for i in range(n):
        offs.append(len(data))
        data += bytes([0xA1]) + struct.pack(">I", i + 1) if i < n - 1 else bytes([0xA0])
    ot = len(data)
    data += b"".join(struct.pack(">I", o) for o in offs)
    return data + b"\0" * 6 + bytes([4, 4]) + struct.pack(">QQQ", n, 0, ot)
w("bplist-deep.plist", bplist_chain(5000))
def bplist_diamond(n):  # each level's array holds the next level twice: 2^n objects to libplist
    data, offs = b"bplist00", []
    for i in range(n):
        offs.append(len(data))
        data += bytes([0xA2]) + struct.pack(">II", i + 1, i + 1) if i < n - 1 else bytes([0xA0])
    ot = len(data)
    data += b"".join(struct.pack(">I", o) for o in offs)
    return data + b"\0" * 6 + bytes([4, 4]) + struct.pack(">QQQ", n, 0, ot)
w("bplist-diamond.plist", bplist_diamond(60))
w("bplist-cycle.plist", b"bplist00\xa1\x00\x08" + b"\0" * 6 + bytes([1, 1]) + struct.pack(">QQQ", 1, 0, 10))
w("bplist-truncated.plist", plistlib.dumps({"panicString": INTEL}, fmt=plistlib.FMT_BINARY)[:600])
w("utf16-odd.txt", b"\xff\xfe" + INTEL.encode("utf-16-le") + b"\x41")

# a T2 Mac's report with both panics: bridgeOS's (arm64) and the Intel host's; once with a
# host backtrace (signed on the host's), once without (signed on bridgeOS's)
BRIDGE = ("panic(cpu 1 caller 0xfffffff0102ab984): macOS watchdog detected\nDebugger message: panic\n"
          "OS version: 22P4248\nmacOS version: 24E263\n"
          "Kernel version: Darwin Kernel Version 24.4.0: Wed Mar 19 21:17:33 PDT 2025; root:xnu-11417.101.14~1/RELEASE_ARM64_T8010\n"
          "Panicked task 0xffffffe00040dce8: 25 pages, 177 threads: pid 0: kernel_task\n"
          "Panicked thread: 0xffffffe000563ff0, backtrace: 0xffffffe0002bb6e0, tid: 101\n"
          "\t\t  lr: 0xfffffff0102ab984  fp: 0xffffffe0002bb7f0\n\t\t  lr: 0xfffffff0102adbc8  fp: 0xffffffe0002bb860\n")
def t2(host):
    return ('{"caused_by":"macos","macos_system_state":"running","bug_type":"210","timestamp":"2025-05-02 10:11:12.00 +0000","os_version":"Bridge OS 9.4 (22P4248)","incident_id":"0B1C2D3E-4F50-4172-8394-A5B6C7D8E9F0"}\n'
            + json.dumps({"build": "Bridge OS 9.4 (22P4248)", "product": "iBridge2,1", "panicString": BRIDGE,
                          "macOSPanicString": host}, indent=2) + "\n")
w("t2-both.ips", t2(INTEL))
w("t2-host-nobt.ips", t2(INTEL.split("Backtrace (CPU 3)")[0]))
