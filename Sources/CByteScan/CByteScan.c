// The scanning functions are inline in include/CByteScan.h; the SIGBUS guard for mapped files lives here.
#include "CByteScan.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

// Guarded ranges: a slot is in use while its start is non-zero. Fixed-size and lock-free, because the signal
// handler reads them and may not take locks.
#define GUARD_SLOTS 64
static _Atomic uintptr_t guard_start[GUARD_SLOTS];
static _Atomic uintptr_t guard_end[GUARD_SLOTS];
static _Atomic int guard_faulted[GUARD_SLOTS];
static uintptr_t page_size = 4096;
static struct sigaction previous_action;
static pthread_once_t install_once = PTHREAD_ONCE_INIT;
static int installed = 0;

// A page of a guarded mapping beyond the file's end (it was truncated): the rest of the range becomes zero pages,
// so the faulting read and all later ones see zeros, and the slot records the fault for the loader to report. Any
// other SIGBUS goes to the handler that was there before (or the default action, which ends the process).
static void on_sigbus(int signal_number, siginfo_t *info, void *context) {
    uintptr_t address = (uintptr_t)info->si_addr;
    for (int i = 0; i < GUARD_SLOTS; i++) {
        uintptr_t start = atomic_load(&guard_start[i]), end = atomic_load(&guard_end[i]);
        if (start == 0 || address < start || address >= end) continue;
        uintptr_t page = address & ~(page_size - 1);
        void *zeros = mmap((void *)page, end - page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
        if (zeros != MAP_FAILED) {
            atomic_store(&guard_faulted[i], 1);
            return;
        }
    }
    if ((previous_action.sa_flags & SA_SIGINFO) && previous_action.sa_sigaction != NULL) {
        previous_action.sa_sigaction(signal_number, info, context);
    } else if (previous_action.sa_handler != SIG_IGN && previous_action.sa_handler != SIG_DFL &&
               previous_action.sa_handler != NULL) {
        previous_action.sa_handler(signal_number);
    } else {
        // Returning re-runs the faulting read, which now gets the default action.
        signal(SIGBUS, SIG_DFL);
    }
}

static void install(void) {
    long size = sysconf(_SC_PAGESIZE);
    if (size > 0) page_size = (uintptr_t)size;
    struct sigaction action;
    action.sa_sigaction = on_sigbus;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_SIGINFO | SA_ONSTACK;
    installed = sigaction(SIGBUS, &action, &previous_action) == 0;
}

int churnql_guard_mapping(const void *start, size_t count) {
    pthread_once(&install_once, install);
    if (!installed || start == NULL || count == 0) return -1;
    for (int i = 0; i < GUARD_SLOTS; i++) {
        uintptr_t expected = 0;
        // A free slot's end is 0, so the handler matches nothing in it until its end is written.
        if (atomic_compare_exchange_strong(&guard_start[i], &expected, (uintptr_t)start)) {
            atomic_store(&guard_faulted[i], 0);
            atomic_store(&guard_end[i], (uintptr_t)start + count);
            return i;
        }
    }
    return -1;
}

int churnql_guard_faulted(int slot) {
    if (slot < 0 || slot >= GUARD_SLOTS) return 0;
    return atomic_load(&guard_faulted[slot]);
}

void churnql_unguard_mapping(int slot) {
    if (slot < 0 || slot >= GUARD_SLOTS) return;
    atomic_store(&guard_end[slot], 0);
    atomic_store(&guard_start[slot], 0);
}
