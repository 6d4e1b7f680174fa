/// A growable buffer of plain values filled by one chunk's loader: appending checks only the capacity (an Array
/// also checks that its storage is not shared, on every append).
final class ValueBuffer<Element: BitwiseCopyable> {
    private var base: UnsafeMutablePointer<Element>
    private(set) var count = 0
    private var capacity: Int
    /// Whether the values are still in memory given to `init(region:capacity:)` (the buffer does not own it).
    private(set) var inRegion = false

    /// Capacity that is never written costs address space only: the pages of a large allocation are not
    /// resident until touched, so a generous estimate is cheaper than growing.
    init(capacity: Int = 0) {
        self.capacity = Swift.max(capacity, 16)
        base = .allocate(capacity: self.capacity)
    }

    /// Writes into `region`, which belongs to the caller and has room for `capacity` values; a buffer that
    /// outgrows it moves to memory of its own.
    init(region: UnsafeMutablePointer<Element>, capacity: Int) {
        base = region
        self.capacity = capacity
        inRegion = true
    }

    deinit { if !inRegion { base.deallocate() } }

    @inline(__always)
    func append(_ value: Element) {
        if count == capacity { grow() }
        (base + count).initialize(to: value)
        count += 1
    }

    /// Appends `n` values that `body` writes to the memory it is given (room for exactly `n`).
    @inline(__always)
    func append(count n: Int, _ body: (UnsafeMutablePointer<Element>) -> Void) {
        while count + n > capacity { grow() }
        body(base + count)
        count += n
    }

    private func grow() {
        let larger = Swift.max(16, capacity * 2)
        let moved = UnsafeMutablePointer<Element>.allocate(capacity: larger)
        moved.update(from: base, count: count)
        if !inRegion { base.deallocate() }
        inRegion = false
        base = moved
        capacity = larger
    }

    @inline(__always)
    subscript(_ i: Int) -> Element {
        get { base[i] }
        set { base[i] = newValue }
    }

    /// Copies the values to `target`, which must have room for `count`.
    func copy(to target: UnsafeMutablePointer<Element>) { target.update(from: base, count: count) }

    /// Frees the values early (the buffer is then empty), so that memory does not wait for the last reference.
    func release() {
        if !inRegion { base.deallocate() }
        inRegion = false
        capacity = 1
        base = .allocate(capacity: capacity)
        count = 0
    }

    /// The values of several buffers one after another, in one array; each buffer is released once copied, so
    /// the peak is the array plus one buffer rather than twice everything.
    static func concatenate(_ buffers: [ValueBuffer<Element>]) -> [Element] {
        let total = buffers.reduce(0) { $0 + $1.count }
        return [Element](unsafeUninitializedCapacity: total) { array, initialized in
            var position = 0
            for buffer in buffers {
                if let target = array.baseAddress { buffer.copy(to: target + position) }
                position += buffer.count
                buffer.release()
            }
            initialized = total
        }
    }
}
