import ChurnQLStore

/// A long chain of pairwise operators (dates moved by durations, text joined) cut into stages: each stage's
/// closures read the previous stage's value for the row from a register instead of calling it, and one loop runs
/// the stages in order, so a 100,000-term chain evaluates without 100,000 nested calls. A compiled vector is
/// evaluated row by row on one thread, so a register holds one row's value at a time.
struct StagedChain {
    private final class Register {
        var value: Value = .null
    }

    private var head: Vector?
    private var stages: [(register: Register, vector: Vector)] = []
    private var current: Register?

    /// Ends a stage at `vector` and returns what the next stage starts from: the register it will read.
    mutating func cut(_ vector: Vector) -> Vector {
        switch vector {
        case .null, .duration: return vector
        default: break
        }
        if let current {
            stages.append((current, vector))
        } else {
            head = vector
        }
        let register = Register()
        current = register
        return Self.reading(register, as: vector)
    }

    /// The whole chain: `last` itself when it was never cut, else the stages run in order.
    func finish(_ last: Vector) -> Vector {
        guard let head, let current else { return last }
        let all = stages + [(current, last)]
        let run: (Int) -> Value = { row in
            var value = head.value(row)
            for stage in all {
                stage.register.value = value
                value = stage.vector.value(row)
            }
            return value
        }
        switch last {
        case .integer: return .integer { if case .integer(let v) = run($0) { v } else { nil } }
        case .decimal: return .decimal { if case .decimal(let v) = run($0) { v } else { nil } }
        case .boolean: return .boolean { if case .boolean(let v) = run($0) { v } else { nil } }
        case .date: return .date { if case .date(let v) = run($0) { v } else { nil } }
        case .timestamp: return .timestamp { if case .timestamp(let v) = run($0) { v } else { nil } }
        case .text, .textColumn: return .text { if case .text(let v) = run($0) { v } else { nil } }
        case .duration, .null: return last
        }
    }

    /// A vector of `vector`'s type whose every row is the register's value.
    private static func reading(_ register: Register, as vector: Vector) -> Vector {
        switch vector {
        case .integer: return .integer { _ in if case .integer(let v) = register.value { v } else { nil } }
        case .decimal: return .decimal { _ in if case .decimal(let v) = register.value { v } else { nil } }
        case .boolean: return .boolean { _ in if case .boolean(let v) = register.value { v } else { nil } }
        case .date: return .date { _ in if case .date(let v) = register.value { v } else { nil } }
        case .timestamp: return .timestamp { _ in if case .timestamp(let v) = register.value { v } else { nil } }
        case .text, .textColumn: return .text { _ in if case .text(let v) = register.value { v } else { nil } }
        case .duration, .null: return vector
        }
    }
}
