// FullDiskVfs: a SQLite VFS over the platform's own that, while full, fails every write
// with SQLITE_FULL and refuses to grow the -shm file: what ENOSPC does, without root, a
// small mount or filling a real disk. install() makes it SQLite's default for the process.
#pragma once

#include <sqlite3.h>

#include <atomic>

namespace enclave::test {

namespace fulldisk {

inline std::atomic<bool> &fullFlag()
{
    static std::atomic<bool> full{false};
    return full;
}

inline sqlite3_vfs *&realVfs()
{
    static sqlite3_vfs *real = nullptr;
    return real;
}

// Our handle, followed in the same allocation by the real VFS's handle.
struct ShimFile {
    sqlite3_file base;
    sqlite3_file *real;
};

inline sqlite3_file *realFile(sqlite3_file *f) { return reinterpret_cast<ShimFile *>(f)->real; }
inline const sqlite3_io_methods *io(sqlite3_file *f) { return realFile(f)->pMethods; }

inline int shimClose(sqlite3_file *f) { return io(f)->xClose(realFile(f)); }
inline int shimRead(sqlite3_file *f, void *p, int n, sqlite3_int64 o) { return io(f)->xRead(realFile(f), p, n, o); }
inline int shimWrite(sqlite3_file *f, const void *p, int n, sqlite3_int64 o)
{
    return fullFlag().load() ? SQLITE_FULL : io(f)->xWrite(realFile(f), p, n, o);
}
inline int shimTruncate(sqlite3_file *f, sqlite3_int64 size) { return io(f)->xTruncate(realFile(f), size); }
inline int shimSync(sqlite3_file *f, int flags) { return io(f)->xSync(realFile(f), flags); }
inline int shimFileSize(sqlite3_file *f, sqlite3_int64 *size) { return io(f)->xFileSize(realFile(f), size); }
inline int shimLock(sqlite3_file *f, int level) { return io(f)->xLock(realFile(f), level); }
inline int shimUnlock(sqlite3_file *f, int level) { return io(f)->xUnlock(realFile(f), level); }
inline int shimCheckReserved(sqlite3_file *f, int *out) { return io(f)->xCheckReservedLock(realFile(f), out); }
inline int shimFileControl(sqlite3_file *f, int op, void *arg) { return io(f)->xFileControl(realFile(f), op, arg); }
inline int shimSectorSize(sqlite3_file *f) { return io(f)->xSectorSize(realFile(f)); }
inline int shimDeviceCharacteristics(sqlite3_file *f) { return io(f)->xDeviceCharacteristics(realFile(f)); }
// A region that exists maps; growing the file for a new one fails like a full disk.
inline int shimShmMap(sqlite3_file *f, int page, int pageSize, int extend, void volatile **out)
{
    const int rc = io(f)->xShmMap(realFile(f), page, pageSize, fullFlag().load() ? 0 : extend, out);
    return rc == SQLITE_OK && extend && !*out ? SQLITE_FULL : rc;
}
inline int shimShmLock(sqlite3_file *f, int offset, int n, int flags)
{
    return io(f)->xShmLock(realFile(f), offset, n, flags);
}
inline void shimShmBarrier(sqlite3_file *f) { io(f)->xShmBarrier(realFile(f)); }
inline int shimShmUnmap(sqlite3_file *f, int deleteFlag) { return io(f)->xShmUnmap(realFile(f), deleteFlag); }

inline const sqlite3_io_methods kMethods = {
    2, shimClose, shimRead, shimWrite, shimTruncate, shimSync, shimFileSize, shimLock, shimUnlock,
    shimCheckReserved, shimFileControl, shimSectorSize, shimDeviceCharacteristics,
    shimShmMap, shimShmLock, shimShmBarrier, shimShmUnmap, nullptr, nullptr};

inline int shimOpen(sqlite3_vfs *, const char *name, sqlite3_file *file, int flags, int *outFlags)
{
    auto *shim = reinterpret_cast<ShimFile *>(file);
    shim->real = reinterpret_cast<sqlite3_file *>(shim + 1);
    const int rc = realVfs()->xOpen(realVfs(), name, shim->real, flags, outFlags);
    shim->base.pMethods = rc == SQLITE_OK && shim->real->pMethods ? &kMethods : nullptr;
    return rc;
}

} // namespace fulldisk

class FullDiskVfs {
public:
    // Registers the VFS as the default (once); databases opened afterwards go through it.
    static void install()
    {
        static sqlite3_vfs vfs = [] {
            fulldisk::realVfs() = sqlite3_vfs_find(nullptr);
            sqlite3_vfs copy = *fulldisk::realVfs();
            copy.szOsFile = int(sizeof(fulldisk::ShimFile)) + fulldisk::realVfs()->szOsFile;
            copy.zName = "enclave-full-disk";
            copy.pNext = nullptr;
            copy.xOpen = fulldisk::shimOpen;
            return copy;
        }();
        sqlite3_vfs_register(&vfs, 1);
    }
    static void setFull(bool full) { fulldisk::fullFlag().store(full); }
};

} // namespace enclave::test
