import ChurnQLStore

/// Appends texts to a text key column without rebuilding it: a text already in the dictionary (by bytes) keeps
/// its code, others are added once. Only the few appended texts go into a hash table, and the dictionary is
/// probed against it, so a large column costs one hashing pass (a `ColumnBuilder` would hash every key as a
/// String and copy the column).
enum TextKeyAppend {
    static func appending(_ texts: [String], to codes: [Int32], _ dictionary: [String]) -> (
        codes: [Int32], dictionary: [String]
    ) {
        var index = TextByteIndex(capacity: texts.count)
        let ids = texts.map { index.insert($0, hash: TextByteIndex.hash($0)).id }
        // The code of each distinct appended text: its dictionary entry if there is one, else a new entry.
        var codeOfId = [Int32](repeating: -1, count: index.count)
        let hashes = TextByteIndex.hashes(dictionary)
        for code in dictionary.indices {
            if let id = index.find(dictionary[code], hash: hashes[code]), codeOfId[Int(id)] < 0 {
                codeOfId[Int(id)] = Int32(code)
            }
        }
        var newDictionary = dictionary
        for id in codeOfId.indices where codeOfId[id] < 0 {
            codeOfId[id] = Int32(newDictionary.count)
            newDictionary.append(index.texts[id])
        }
        return (codes + ids.map { codeOfId[Int($0)] }, newDictionary)
    }
}
