"""Code that several sample students write the same way: reading MNIST's idx files from the data folder."""

READ_IDX = '''def read_idx(path):
    """MNIST's idx format: a 4-byte magic whose last byte is the rank, big-endian sizes, the bytes."""
    with open(path, "rb") as f:
        data = f.read()
    rank = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(rank)]
    return np.frombuffer(data, np.uint8, offset=4 + 4 * rank).reshape(shape)

root = os.path.join(os.environ.get("GRADER_DATA", "data"), "mnist")
'''
