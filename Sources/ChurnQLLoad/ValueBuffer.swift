/// A growable buffer of plain values filled by one chunk's loader: appending checks only the capacity (an Array
/// also checks that its storage is not shared, on every append).
final class ValueBuffer<Element: BitwiseCopyable> {
    private var base: UnsafeMutablePointer<Element>
    private(set) var count = 0
    private var capacity: Int

    /// Capacity that is never written costs address space only: the pages of a large allocation are not
    /// resident until touched, so a generous estimate is cheaper than growing.
    init(capacity: Int = 0) {
        self.capacity = Swift.max(capacity, 16)
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    @inline(__always)
    func append(_ value: Element) {
        if count == capacity { grow() }
        (base + count).initialize(to: value)
        count += 1
    }

    private func grow() {
        let larger = UnsafeMutablePointer<Element>.allocate(capacity: capacity * 2)
        larger.update(from: base, count: count)
        base.deallocate()
        base = larger
        capacity *= 2
    }

    @inline(__always)
    subscript(_ i: Int) -> Element { base[i] }

    /// Copies the values to `target`, which must have room for `count`.
    func copy(to target: UnsafeMutablePointer<Element>) { target.update(from: base, count: count) }

    /// Frees the values early (the buffer is then empty), so that memory does not wait for the last reference.
    func release() {
        base.deallocate()
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
