import ChurnQLDiagnostics
import ChurnQLSyntax

/// Integer and decimal operands of a chain folded left to right in one loop, with the checks and result types of
/// `BinaryCompiler.arithmetic`: the sum stays an integer (overflow a located error) until a decimal operand or a
/// `/` makes it a decimal. One closure call per operand per row, and no closure nested per operator.
struct NumericFold {
    private struct IntegerStep {
        let op: BinaryOperator
        let value: (Int) -> Int64?
        let overflow: FaultSite
    }

    private struct DecimalStep {
        let op: BinaryOperator
        let value: (Int) -> Double?
    }

    private let start: Vector
    private var integerSteps: [IntegerStep] = []
    private var decimalSteps: [DecimalStep] = []

    /// Nil unless `start` is an integer or decimal vector.
    init?(_ start: Vector) {
        switch start {
        case .integer, .decimal: self.start = start
        default: return nil
        }
    }

    private var isDecimal: Bool {
        if case .decimal = start { return true }
        return !decimalSteps.isEmpty
    }

    /// Adds `op operand`; false (and nothing added) when the operand is not an integer or decimal vector.
    mutating func append(
        _ op: BinaryOperator, _ operand: Vector, _ span: SourceSpan, _ context: CompileContext
    ) -> Bool {
        switch operand {
        case .integer(let value) where !isDecimal && op != .divide:
            integerSteps.append(
                IntegerStep(op: op, value: value, overflow: context.overflowSite("'\(op.rawValue)'", span)))
        case .integer, .decimal:
            guard let value = operand.asDouble else { return false }
            decimalSteps.append(DecimalStep(op: op, value: value))
        default: return false
        }
        return true
    }

    var vector: Vector {
        let integers = integerPart
        guard isDecimal else { return integers.map(Vector.integer) ?? start }
        let startValue: (Int) -> Double?
        if let integers {
            startValue = { integers($0).map(Double.init) }
        } else {
            startValue = start.asDouble ?? { _ in nil }
        }
        let steps = decimalSteps
        return .decimal { row in
            guard var total = startValue(row) else { return nil }
            for step in steps {
                guard let b = step.value(row) else { return nil }
                switch step.op {
                case .add: total += b
                case .subtract: total -= b
                case .multiply: total *= b
                case .divide:
                    guard b != 0 else { return nil }
                    total /= b
                default:
                    guard b != 0 else { return nil }
                    total = total.truncatingRemainder(dividingBy: b)
                }
            }
            return total
        }
    }

    /// The integer prefix as one closure; nil when the fold starts with a decimal.
    private var integerPart: ((Int) -> Int64?)? {
        guard case .integer(let first) = start else { return nil }
        let steps = integerSteps
        if steps.isEmpty { return first }
        return { row in
            guard var total = first(row) else { return nil }
            for step in steps {
                guard let b = step.value(row) else { return nil }
                let (result, overflow): (Int64, Bool)
                switch step.op {
                case .add: (result, overflow) = total.addingReportingOverflow(b)
                case .subtract: (result, overflow) = total.subtractingReportingOverflow(b)
                case .multiply: (result, overflow) = total.multipliedReportingOverflow(by: b)
                default:
                    guard b != 0 else { return nil }
                    // Int64.min % -1 reports overflow, but its remainder, 0, is exact.
                    (result, overflow) = (total.remainderReportingOverflow(dividingBy: b).partialValue, false)
                }
                if overflow { return step.overflow.raise(BinaryCompiler.overflowMessage(total, step.op, b)) }
                total = result
            }
            return total
        }
    }
}
