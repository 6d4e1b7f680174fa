import ChurnQLLoad
import Foundation

/// A progress bar on stderr for loads that take longer than half a second; only on a terminal, and erased when
/// the load ends. It reads the loader's byte counter from a timer and never touches stdout.
enum ProgressBar {
    static func start(_ progress: LoadProgress, label: String) -> () -> Void {
        guard isatty(2) != 0, progress.total > 0 else { return {} }
        let started = Date()
        let queue = DispatchQueue(label: "churnql.progress")
        let timer = DispatchSource.makeTimerSource(queue: queue)
        nonisolated(unsafe) var shown = false
        timer.schedule(deadline: .now() + 0.5, repeating: 0.1)
        timer.setEventHandler {
            let done = progress.done
            let elapsed = Date().timeIntervalSince(started)
            let fraction = Swift.min(1, Double(done) / Double(progress.total))
            let rate = Double(done) / Swift.max(elapsed, 0.001) / 1_048_576
            let left = fraction > 0 ? elapsed * (1 - fraction) / fraction : 0
            let width = 24
            let filled = Int(fraction * Double(width))
            let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
            let line = String(
                format: "\r\u{1B}[K  loading %@ %@ %3.0f%%  %.0f MB/s  %.1f s left", label, bar, fraction * 100, rate,
                left)
            FileHandle.standardError.write(Data(line.utf8))
            shown = true
        }
        timer.resume()
        return {
            timer.cancel()
            // Wait for a running handler, then erase what it drew.
            queue.sync {}
            if shown { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        }
    }
}
