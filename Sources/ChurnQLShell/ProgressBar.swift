import ChurnQLDiagnostics
import ChurnQLLoad
import ChurnQLMetrics
import Foundation

/// Progress on stderr for loads and fits that take longer than half a second; only on a terminal, and erased
/// when the work ends. A timer reads the worker's counter and never touches stdout.
enum ProgressBar {
    static func start(_ progress: LoadProgress, label: String) -> () -> Void {
        guard isatty(2) != 0, progress.total > 0 else { return {} }
        return ticker { elapsed in
            let done = progress.done
            let fraction = Swift.min(1, Double(done) / Double(progress.total))
            let rate = Double(done) / Swift.max(elapsed, 0.001) / 1_048_576
            let left = fraction > 0 ? elapsed * (1 - fraction) / fraction : 0
            let width = 24
            let filled = Int(fraction * Double(width))
            let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
            return String(
                format: "\r\u{1B}[K  loading %@ %@ %3.0f%%  %.0f MB/s  %.1f s left", label, bar, fraction * 100, rate,
                left)
        }
    }

    /// A model fit's iterations and elapsed time.
    static func start(_ progress: FitProgress, label: String) -> () -> Void {
        guard isatty(2) != 0 else { return {} }
        return ticker { elapsed in
            String(
                format: "\r\u{1B}[K  fitting %@: iteration %d, %.1f s (Ctrl-C stops)", label, progress.iterations,
                elapsed)
        }
    }

    /// Redraws `line(seconds elapsed)` every 0.1 s from 0.5 s on; returns the function that stops and erases it.
    private static func ticker(_ line: @escaping @Sendable (Double) -> String) -> () -> Void {
        let started = Date()
        let queue = DispatchQueue(label: "churnql.progress")
        let timer = DispatchSource.makeTimerSource(queue: queue)
        nonisolated(unsafe) var shown = false
        timer.schedule(deadline: .now() + 0.5, repeating: 0.1)
        timer.setEventHandler {
            StandardError.write(line(Date().timeIntervalSince(started)))
            shown = true
        }
        timer.resume()
        return {
            timer.cancel()
            // Wait for a running handler, then erase what it drew.
            queue.sync {}
            if shown { StandardError.write("\r\u{1B}[K") }
        }
    }
}
