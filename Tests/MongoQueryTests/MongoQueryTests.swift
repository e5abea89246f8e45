import JSONCore
import Testing

@testable import MongoQuery

@Suite struct MongoQueryTests {
    static let record: JSONValue = try! JSONValue.parse(
        #"""
        {"_id":"A","name":{"first":"Leo","last":"Doe"},"status":"incomplete","amount":120,
         "assignedTo":["p1","p2"],"isArchived":false,"tags":[],
         "customFields":[{"_id":"f1","value":"o1"},{"_id":"f2","value":["o2","o3"]}],
         "contactEmails":[{"address":"a@b.c","type":"work"}],"dueDate":"2026-12-04T17:00:00.000Z"}
        """#)

    @Test(arguments: [
        (#"{"name.first":"Leo"}"#, true),
        (#"{"name.first":"John"}"#, false),
        (#"{"$or":[{"name.first":"John"},{"name.last":"Doe"}]}"#, true),
        (#"{"$and":[{"status":"incomplete"},{"amount":{"$gt":100}}]}"#, true),
        (#"{"assignedTo":"p2"}"#, true),
        (#"{"assignedTo":{"$in":["x","p1"]}}"#, true),
        (#"{"assignedTo":{"$nin":["p1"]}}"#, false),
        (#"{"status":{"$ne":"completed"}}"#, true),
        (#"{"status":{"$eq":"incomplete"}}"#, true),
        (#"{"amount":{"$gte":120,"$lt":121}}"#, true),
        (#"{"amount":{"$lte":119}}"#, false),
        (#"{"dueDate":{"$gte":"2026-01-01T00:00:00.000Z"}}"#, true),
        (#"{"name.first":{"$regex":"^le","$options":"i"}}"#, true),
        (#"{"name.first":{"$regex":"^le"}}"#, false),
        (#"{"customFields":{"$elemMatch":{"_id":"f1","value":"o1"}}}"#, true),
        (#"{"customFields":{"$elemMatch":{"_id":"f1","value":"o2"}}}"#, false),
        (#"{"customFields.value":"o3"}"#, true),
        (#"{"assignedTo":{"$size":2}}"#, true),
        (#"{"tags":{"$size":0}}"#, true),
        (#"{"parentTaskId":{"$exists":false}}"#, true),
        (#"{"name":{"$exists":true}}"#, true),
        (#"{"parentTaskId":null}"#, true),
        (#"{"isTemplate":{"$in":[true,false,null]}}"#, true),
        (#"{"isArchived":{"$in":[true,null]}}"#, false),
        (#"{"contactEmails.address":"a@b.c"}"#, true),
        (#"{"assignedTo":["p1","p2"]}"#, true),
        (#"{"amount":{"$elemMatch":{"$gt":1}}}"#, false),
        (#"{}"#, true),
        (#"{"parentTaskId":{"$in":[null]}}"#, true),
        (#"{"parentTaskId":{"$nin":[null]}}"#, false),
        (#"{"status":{"$nin":["completed"]}}"#, true),
        (#"{"amount":{"$ne":120}}"#, false),
        (#"{"amount":{"$in":[120,5]}}"#, true),
        (#"{"isArchived":{"$exists":true}}"#, true),
        (#"{"isArchived":{"$eq":null}}"#, false),
        (#"{"parentTaskId":{"$eq":null}}"#, true),
        (#"{"status":{"$in":["a","incomplete"]},"isArchived":false}"#, true),
        (#"{"name":{"first":"Leo","last":"Doe"}}"#, true),
    ])
    func matchesLikeMongo(query: String, expected: Bool) throws {
        let q = try MongoQuery(text: query)
        #expect(q.matches(Self.record) == expected, "\(query)")
    }

    @Test(arguments: [
        (#"[1]"#, QueryError.notAnObject),
        (#"{"a":{"$where":"1"}}"#, .unsupportedOperator("$where")),
        (#"{"$nor":[{"a":1}]}"#, .unsupportedOperator("$nor")),
        (#"{"a":{"$in":1}}"#, .badOperand("$in")),
        (#"{"a":{"$regex":"("}}"#, .badRegex("(")),
        (#"{"$or":[]}"#, .badOperand("$or")),
        (#"{"a":{"$options":"i"}}"#, .badOperand("$options")),
    ])
    func rejectsWhatItCannotRun(query: String, expected: QueryError) {
        #expect(throws: expected) { try MongoQuery(text: query) }
    }

    @Test func rejectsTextThatIsNotJSON() {
        #expect(throws: QueryError.self) { try MongoQuery(text: "name=leo") }
        #expect(QueryError.unsupportedOperator("$where").description == "Unsupported operator $where")
    }

    @Test func keyValueFiltersCoerceBooleansAndNumbers() {
        #expect(MongoQuery.keyValue(path: "isArchived", value: "false").matches(Self.record))
        #expect(MongoQuery.keyValue(path: "amount", value: "120").matches(Self.record))
        #expect(!MongoQuery.keyValue(path: "amount", value: "12").matches(Self.record))
        #expect(MongoQuery.keyValue(path: "assignedTo", value: "p1").matches(Self.record))
        #expect(MongoQuery.keyValue(path: "contactEmails.address", value: "a@b.c").matches(Self.record))
    }

    @Test func collectsFieldPathsAnywhere() throws {
        let q = try MongoQuery(text: #"{"$or":[{"isArchived":true},{"a":{"$elemMatch":{"isTemplate":true}}}]}"#)
        #expect(q.fieldPaths == ["isArchived", "a", "isTemplate"])
    }

    @Test func reportsPinnedValuesAtTheTopLevel() throws {
        let q = try MongoQuery(text: #"{"entityType":"task","entityId":{"$in":["a","b"]}}"#)
        #expect(q.pinnedValues(of: "entityType") == .single("task"))
        #expect(q.pinnedValues(of: "entityId") == .list(["a", "b"]))
        let or = try MongoQuery(text: #"{"$or":[{"entityType":"task"}]}"#)
        #expect(or.pinnedValues(of: "entityType") == nil)
    }
}
